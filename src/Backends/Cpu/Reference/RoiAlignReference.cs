namespace Detserve.Backends.Cpu.Reference;

/// <summary>
/// The definition of <see cref="RoiAlign"/>: torchvision/csrc/ops/cpu/roi_align_kernel.cpp written per output element
/// with its bilinear_interpolate helper (the form its backward pass uses), float32 throughout.
/// </summary>
public static class RoiAlignReference
{
    /// <summary>output[r, c, ph, pw] = mean over the bin's sample grid of bilinear(features[batch(r), c], y, x).</summary>
    public static void Forward(ReadOnlySpan<float> features, int batch, int channels, int height, int width, float spatialScale,
        RoiAlignParams p, ReadOnlySpan<float> rois, int roiCount, Span<float> output)
    {
        int outSize = p.OutputSize;
        for (int r = 0; r < roiCount; r++)
        {
            ReadOnlySpan<float> roi = rois.Slice(r * 5, 5);
            int b = (int)roi[0];
            float offset = p.Aligned ? 0.5f : 0f;
            float roiStartW = (roi[1] * spatialScale) - offset;
            float roiStartH = (roi[2] * spatialScale) - offset;
            float roiEndW = (roi[3] * spatialScale) - offset;
            float roiEndH = (roi[4] * spatialScale) - offset;
            float roiWidth = roiEndW - roiStartW;
            float roiHeight = roiEndH - roiStartH;
            if (!p.Aligned)
            {
                roiWidth = MathF.Max(roiWidth, 1f);
                roiHeight = MathF.Max(roiHeight, 1f);
            }
            float binH = roiHeight / outSize;
            float binW = roiWidth / outSize;
            int gridH = p.SamplingRatio > 0 ? p.SamplingRatio : (int)MathF.Ceiling(roiHeight / outSize);
            int gridW = p.SamplingRatio > 0 ? p.SamplingRatio : (int)MathF.Ceiling(roiWidth / outSize);
            float count = Math.Max(gridH * gridW, 1);
            for (int c = 0; c < channels; c++)
            {
                ReadOnlySpan<float> plane = features.Slice(((b * channels) + c) * height * width, height * width);
                for (int ph = 0; ph < outSize; ph++)
                for (int pw = 0; pw < outSize; pw++)
                {
                    float value = 0f;
                    for (int iy = 0; iy < gridH; iy++)
                    {
                        float y = roiStartH + (ph * binH) + ((iy + .5f) * binH / gridH);
                        for (int ix = 0; ix < gridW; ix++)
                        {
                            float x = roiStartW + (pw * binW) + ((ix + .5f) * binW / gridW);
                            value += BilinearInterpolate(plane, height, width, y, x);
                        }
                    }
                    output[(((r * channels) + c) * outSize + ph) * outSize + pw] = value / count;
                }
            }
        }
    }

    /// <summary>torchvision's bilinear_interpolate: w1·v1 + w2·v2 + w3·v3 + w4·v4 with its boundary rules.</summary>
    public static float BilinearInterpolate(ReadOnlySpan<float> plane, int height, int width, float y, float x)
    {
        if (y < -1.0f || y > height || x < -1.0f || x > width) return 0f;
        if (y <= 0) y = 0;
        if (x <= 0) x = 0;
        int yLow = (int)y, xLow = (int)x, yHigh, xHigh;
        if (yLow >= height - 1) { yHigh = yLow = height - 1; y = yLow; } else yHigh = yLow + 1;
        if (xLow >= width - 1) { xHigh = xLow = width - 1; x = xLow; } else xHigh = xLow + 1;
        float ly = y - yLow, lx = x - xLow, hy = 1f - ly, hx = 1f - lx;
        float v1 = plane[(yLow * width) + xLow], v2 = plane[(yLow * width) + xHigh];
        float v3 = plane[(yHigh * width) + xLow], v4 = plane[(yHigh * width) + xHigh];
        float w1 = hy * hx, w2 = hy * lx, w3 = ly * hx, w4 = ly * lx;
        return (w1 * v1) + (w2 * v2) + (w3 * v3) + (w4 * v4);
    }
}
