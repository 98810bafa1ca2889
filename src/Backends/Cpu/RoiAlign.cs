namespace Detserve.Backends.Cpu;

/// <summary>
/// torchvision's CPU roi_align forward (torchvision/csrc/ops/cpu/roi_align_kernel.cpp, roi_align_forward_kernel_impl)
/// in float32 with its arithmetic: roi start = coord·scale − 0.5 (aligned), bin = roi / output, sample grid
/// ceil(roi / output) per axis when sampling_ratio ≤ 0, sample y = start + ph·bin + (iy + .5)·bin / grid, bilinear
/// weights with its boundary rules (outside [−1, size] → 0; clamp to 0; last row/column snaps), sum then divide by
/// the sample count. Rois run in parallel; the bilinear table is built once per roi and reused for every channel.
/// </summary>
public static class RoiAlign
{
    /// <summary>
    /// output [roiCount, channels, out, out] from features [batch, channels, height, width] and rois [roiCount x 5]
    /// (batch index, x1, y1, x2, y2 in image coordinates).
    /// </summary>
    public static void Forward(
        CpuContext ctx, ReadOnlySpan<float> features, int batch, int channels, int height, int width, float spatialScale,
        RoiAlignParams p, ReadOnlySpan<float> rois, int roiCount, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        Validate(batch, channels, height, width, p, roiCount);
        ShapeException.ThrowIfLengthNot("RoiAlign", nameof(features), (long)batch * channels * height * width, features.Length);
        ShapeException.ThrowIfLengthBelow("RoiAlign", nameof(rois), (long)roiCount * 5, rois.Length);
        int perRoi = channels * p.OutputSize * p.OutputSize;
        ShapeException.ThrowIfLengthNot("RoiAlign", nameof(output), (long)roiCount * perRoi, output.Length);
        if (roiCount == 0) return;
        unsafe
        {
            fixed (float* pf = features)
            fixed (float* pr = rois)
            fixed (float* po = output)
            {
                float* f = pf, r = pr, o = po;
                int featLength = features.Length;
                ctx.ParallelFor(roiCount, i => ForwardRoi(
                    new ReadOnlySpan<float>(f, featLength), batch, channels, height, width, spatialScale, p,
                    new ReadOnlySpan<float>(r + (i * 5L), 5), new Span<float>(o + ((long)i * perRoi), perRoi)));
            }
        }
    }

    /// <summary>
    /// ROIPooler's multi-level path: roi i is pooled from levels[levelIndex[i]] (see <see cref="RoiLevels"/>), with that
    /// level's scale; output [roiCount, C, out, out]. All levels must have the same channel count.
    /// </summary>
    public static void ForwardMultiLevel(
        CpuContext ctx, IReadOnlyList<FeatureLevel> levels, RoiAlignParams p, ReadOnlySpan<float> rois,
        ReadOnlySpan<int> levelIndex, int roiCount, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(levels);
        if (levels.Count == 0) throw new ShapeException("RoiAlign", nameof(levels), "at least one level", "none");
        int channels = levels[0].Channels;
        foreach (FeatureLevel l in levels)
        {
            Validate(l.Batch, l.Channels, l.Height, l.Width, p, roiCount);
            if (l.Channels != channels) throw new ShapeException("RoiAlign", nameof(levels), $"{channels} channels on every level", $"{l.Channels}");
            ShapeException.ThrowIfLengthNot("RoiAlign", "levels.Data", (long)l.Batch * l.Channels * l.Height * l.Width, l.Data.Length);
        }
        ShapeException.ThrowIfLengthBelow("RoiAlign", nameof(rois), (long)roiCount * 5, rois.Length);
        ShapeException.ThrowIfLengthBelow("RoiAlign", nameof(levelIndex), roiCount, levelIndex.Length);
        int perRoi = channels * p.OutputSize * p.OutputSize;
        ShapeException.ThrowIfLengthNot("RoiAlign", nameof(output), (long)roiCount * perRoi, output.Length);
        for (int i = 0; i < roiCount; i++)
            if ((uint)levelIndex[i] >= (uint)levels.Count)
                throw new ShapeException("RoiAlign", nameof(levelIndex), $"values in [0, {levels.Count})", $"{levelIndex[i]} at index {i}");
        if (roiCount == 0) return;
        unsafe
        {
            fixed (float* pr = rois)
            fixed (int* pl = levelIndex)
            fixed (float* po = output)
            {
                float* r = pr, o = po;
                int* li = pl;
                ctx.ParallelFor(roiCount, i =>
                {
                    FeatureLevel l = levels[li[i]];
                    ForwardRoi(l.Data.Span, l.Batch, l.Channels, l.Height, l.Width, l.SpatialScale, p,
                        new ReadOnlySpan<float>(r + (i * 5L), 5), new Span<float>(o + ((long)i * perRoi), perRoi));
                });
            }
        }
    }

    private static void Validate(int batch, int channels, int height, int width, RoiAlignParams p, int roiCount)
    {
        ShapeException.ThrowIfNotPositive("RoiAlign", nameof(batch), batch);
        ShapeException.ThrowIfNegative("RoiAlign", nameof(channels), channels);
        ShapeException.ThrowIfNotPositive("RoiAlign", nameof(height), height);
        ShapeException.ThrowIfNotPositive("RoiAlign", nameof(width), width);
        ShapeException.ThrowIfNotPositive("RoiAlign", "OutputSize", p.OutputSize);
        ShapeException.ThrowIfNegative("RoiAlign", nameof(roiCount), roiCount);
    }

    private static void ForwardRoi(
        ReadOnlySpan<float> features, int batch, int channels, int height, int width, float spatialScale,
        RoiAlignParams p, ReadOnlySpan<float> roi, Span<float> output)
    {
        int roiBatch = (int)roi[0];
        if ((uint)roiBatch >= (uint)batch)
            throw new ShapeException("RoiAlign", "rois", $"a batch index in [0, {batch})", roi[0].ToString(System.Globalization.CultureInfo.InvariantCulture));
        RoiGeometry g = RoiGeometry.Create(roi, spatialScale, p);
        int outSize = p.OutputSize;
        int samples = g.GridH * g.GridW;
        int tableLength = outSize * outSize * samples;
        // pre_calc_for_bilinear_interpolate: 4 positions and 4 weights per sample.
        int[] pos = new int[tableLength * 4];
        float[] wts = new float[tableLength * 4];
        int t = 0;
        for (int ph = 0; ph < outSize; ph++)
        {
            for (int pw = 0; pw < outSize; pw++)
            {
                for (int iy = 0; iy < g.GridH; iy++)
                {
                    float yy = g.StartH + (ph * g.BinH) + ((iy + .5f) * g.BinH / g.GridH);
                    for (int ix = 0; ix < g.GridW; ix++, t++)
                    {
                        float xx = g.StartW + (pw * g.BinW) + ((ix + .5f) * g.BinW / g.GridW);
                        Bilinear.Weights(height, width, yy, xx, pos.AsSpan(t * 4, 4), wts.AsSpan(t * 4, 4));
                    }
                }
            }
        }

        int plane = height * width;
        int outPlane = outSize * outSize;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> x = features.Slice(((roiBatch * channels) + c) * plane, plane);
            Span<float> y = output.Slice(c * outPlane, outPlane);
            int index = 0;
            for (int bin = 0; bin < outPlane; bin++)
            {
                float value = 0f;
                for (int s = 0; s < samples; s++, index++)
                {
                    int b4 = index * 4;
                    value += (wts[b4] * x[pos[b4]]) + (wts[b4 + 1] * x[pos[b4 + 1]]) + (wts[b4 + 2] * x[pos[b4 + 2]]) + (wts[b4 + 3] * x[pos[b4 + 3]]);
                }
                y[bin] = value / g.Count;
            }
        }
    }
}
