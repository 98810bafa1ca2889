using System.Runtime.Intrinsics;

namespace Detserve.Backends.Cpu;

/// <summary>
/// torchvision's CPU roi_align forward (torchvision/csrc/ops/cpu/roi_align_kernel.cpp, roi_align_forward_kernel_impl)
/// in float32 with its arithmetic: roi start = coord·scale − 0.5 (aligned), bin = roi / output, sample grid
/// ceil(roi / output) per axis when sampling_ratio ≤ 0, sample y = start + ph·bin + (iy + .5)·bin / grid, bilinear
/// weights with its boundary rules (outside [−1, size] → 0; clamp to 0; last row/column snaps), sum of
/// ((w1·v1 + w2·v2) + w3·v3) + w4·v4 per sample in sample order, then divided by the sample count.
/// </summary>
/// <remarks>
/// Speed: the feature maps a call touches are first transposed to channels-last, so each bilinear tap reads all
/// channels contiguously and the per-channel sums run in SIMD lanes. Each lane does exactly the scalar operations
/// of the torchvision kernel in the same order (separate multiply and add, no FMA), so results are bit-identical to
/// <see cref="Reference.RoiAlignReference"/>. Rois run in parallel.
/// </remarks>
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
        ShapeException.ThrowIfLengthNot("RoiAlign", nameof(output), (long)roiCount * channels * p.OutputSize * p.OutputSize, output.Length);
        if (roiCount == 0) return;
        unsafe
        {
            fixed (float* pf = features)
            {
                FeatureLevel level = new(new UnmanagedFloats(pf, features.Length).Memory, batch, channels, height, width, spatialScale);
                int[] levelIndex = new int[roiCount];
                Run(ctx, [level], p, rois, levelIndex, roiCount, output);
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
        ShapeException.ThrowIfLengthNot("RoiAlign", nameof(output), (long)roiCount * channels * p.OutputSize * p.OutputSize, output.Length);
        for (int i = 0; i < roiCount; i++)
            if ((uint)levelIndex[i] >= (uint)levels.Count)
                throw new ShapeException("RoiAlign", nameof(levelIndex), $"values in [0, {levels.Count})", $"{levelIndex[i]} at index {i}");
        if (roiCount == 0) return;
        Run(ctx, levels, p, rois, levelIndex, roiCount, output);
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

    private static unsafe void Run(
        CpuContext ctx, IReadOnlyList<FeatureLevel> levels, RoiAlignParams p, ReadOnlySpan<float> rois,
        ReadOnlySpan<int> levelIndex, int roiCount, Span<float> output)
    {
        // Which (level, image) maps are read, checked before any work.
        var used = new HashSet<(int Level, int Image)>();
        for (int i = 0; i < roiCount; i++)
        {
            FeatureLevel l = levels[levelIndex[i]];
            float b = rois[i * 5];
            int image = (int)b;
            if (!(b >= 0) || image >= l.Batch)
                throw new ShapeException("RoiAlign", nameof(rois), $"a batch index in [0, {l.Batch}) for roi {i}", b.ToString(System.Globalization.CultureInfo.InvariantCulture));
            used.Add((levelIndex[i], image));
        }

        // Channels-last copies of the touched maps, owned here and returned to the pool at the end.
        var nhwc = new Dictionary<(int Level, int Image), PooledBuffer<float>>();
        try
        {
            foreach ((int level, int image) in used)
            {
                FeatureLevel l = levels[level];
                PooledBuffer<float> buffer = ctx.RentFloats(l.Channels * l.Height * l.Width);
                nhwc[(level, image)] = buffer;
                ToChannelsLast(ctx, l.Data.Span.Slice(image * l.Channels * l.Height * l.Width, l.Channels * l.Height * l.Width), l.Channels, l.Height * l.Width, buffer.Array);
            }

            int channels = levels[0].Channels;
            int perRoi = channels * p.OutputSize * p.OutputSize;
            fixed (float* pr = rois)
            fixed (int* pl = levelIndex)
            fixed (float* po = output)
            {
                float* r = pr, o = po;
                int* li = pl;
                ctx.ParallelFor(roiCount, i =>
                {
                    FeatureLevel l = levels[li[i]];
                    float[] map = nhwc[(li[i], (int)r[i * 5])].Array;
                    ForwardRoi(ctx, map, channels, l.Height, l.Width, l.SpatialScale, p,
                        new ReadOnlySpan<float>(r + (i * 5L), 5), new Span<float>(o + ((long)i * perRoi), perRoi));
                });
            }
        }
        finally
        {
            foreach (PooledBuffer<float> buffer in nhwc.Values) buffer.Dispose();
        }
    }

    /// <summary>dst[(pixel · C) + c] = src[(c · pixels) + pixel]: 8 x 8 register transposes (AVX), pixel blocks in parallel.</summary>
    private static unsafe void ToChannelsLast(CpuContext ctx, ReadOnlySpan<float> src, int channels, int pixels, float[] dst)
    {
        const int pixelBlock = 64;
        int blocks = (pixels + pixelBlock - 1) / pixelBlock;
        fixed (float* ps = src)
        {
            float* s = ps;
            ctx.ParallelForChunks(blocks, 16, (b0, b1) =>
            {
                fixed (float* d = dst)
                {
                    for (int blk = b0; blk < b1; blk++)
                    {
                        int x0 = blk * pixelBlock, x1 = Math.Min(pixels, x0 + pixelBlock);
                        ChannelsLastTile.Transpose(s, channels, pixels, x0, x1, d);
                    }
                }
            });
        }
    }

    private static unsafe void ForwardRoi(
        CpuContext ctx, float[] map /* H x W x C */, int channels, int height, int width, float spatialScale,
        RoiAlignParams p, ReadOnlySpan<float> roi, Span<float> output)
    {
        RoiGeometry g = RoiGeometry.Create(roi, spatialScale, p);
        int outSize = p.OutputSize;
        int outPlane = outSize * outSize;
        Span<int> pos = stackalloc int[4];
        Span<float> w = stackalloc float[4];
        using PooledBuffer<float> accBuffer = ctx.RentFloats(outPlane * channels);
        fixed (float* m = map)
        fixed (float* acc = accBuffer.Array)
        {
            for (int ph = 0; ph < outSize; ph++)
            {
                for (int pw = 0; pw < outSize; pw++)
                {
                    float* a = acc + ((long)((ph * outSize) + pw) * channels);
                    new Span<float>(a, channels).Clear();
                    for (int iy = 0; iy < g.GridH; iy++)
                    {
                        float yy = g.StartH + (ph * g.BinH) + ((iy + .5f) * g.BinH / g.GridH);
                        for (int ix = 0; ix < g.GridW; ix++)
                        {
                            float xx = g.StartW + (pw * g.BinW) + ((ix + .5f) * g.BinW / g.GridW);
                            Bilinear.Weights(height, width, yy, xx, pos, w);
                            AccumulateSample(a, channels, m + ((long)pos[0] * channels), m + ((long)pos[1] * channels),
                                m + ((long)pos[2] * channels), m + ((long)pos[3] * channels), w[0], w[1], w[2], w[3]);
                        }
                    }
                }
            }
            // output[c, bin] = acc[bin, c] / count (torchvision: output_val /= count).
            for (int c = 0; c < channels; c++)
            {
                Span<float> y = output.Slice(c * outPlane, outPlane);
                for (int bin = 0; bin < outPlane; bin++) y[bin] = acc[((long)bin * channels) + c] / g.Count;
            }
        }
    }

    /// <summary>a[c] += ((w1·v1[c] + w2·v2[c]) + w3·v3[c]) + w4·v4[c] for every channel, lane by lane in SIMD.</summary>
    private static unsafe void AccumulateSample(float* a, int channels, float* v1, float* v2, float* v3, float* v4, float w1, float w2, float w3, float w4)
    {
        int c = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> W1 = Vector256.Create(w1), W2 = Vector256.Create(w2), W3 = Vector256.Create(w3), W4 = Vector256.Create(w4);
            for (; c <= channels - 8; c += 8)
            {
                Vector256<float> sum = ((W1 * Vector256.Load(v1 + c)) + (W2 * Vector256.Load(v2 + c))) + (W3 * Vector256.Load(v3 + c));
                sum += W4 * Vector256.Load(v4 + c);
                Vector256.Store(Vector256.Load(a + c) + sum, a + c);
            }
        }
        for (; c < channels; c++)
            a[c] += (w1 * v1[c]) + (w2 * v2[c]) + (w3 * v3[c]) + (w4 * v4[c]);
    }
}
