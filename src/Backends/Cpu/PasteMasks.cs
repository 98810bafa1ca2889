using System.Globalization;

namespace Detserve.Backends.Cpu;

/// <summary>
/// detectron2/layers/mask_ops.py paste_masks_in_image on CPU: one mask per chunk through _do_paste_mask with
/// skip_empty=True. Only the box region [floor(x1) − 1, ceil(x2) + 1) x [floor(y1) − 1, ceil(y2) + 1) (clamped to the
/// image) is sampled: pixel centres (i + 0.5) are normalised to [−1, 1] by (c − x1) / (x2 − x1)·2 − 1 and sampled
/// with F.grid_sample(bilinear, zeros padding, align_corners=False) using the arithmetic of PyTorch's vectorised CPU
/// grid sampler (aten/src/ATen/native/cpu/GridSamplerKernel.cpp: source = (g + 1)·(size / 2) − 0.5; weights from
/// floor distances); then value ≥ threshold. Everything outside the region is 0.
/// </summary>
public static class PasteMasks
{
    /// <summary>The integer bounds _do_paste_mask computes for one box (skip_empty=True).</summary>
    public static MaskRegion Region(float x1, float y1, float x2, float y2, int imageHeight, int imageWidth)
    {
        // torch.clamp(boxes.min(dim=0).values.floor()[:2] - 1, min=0).to(int32); clamp(max.ceil() + 1, max=img).
        int x0Int = (int)MathF.Max(MathF.Floor(x1) - 1f, 0f);
        int y0Int = (int)MathF.Max(MathF.Floor(y1) - 1f, 0f);
        int x1Int = (int)MathF.Min(MathF.Ceiling(x2) + 1f, imageWidth);
        int y1Int = (int)MathF.Min(MathF.Ceiling(y2) + 1f, imageHeight);
        return new MaskRegion(x0Int, y0Int, x1Int, y1Int);
    }

    /// <summary>
    /// Pastes one M x M probability mask into a full H x W image of 0/1 bytes (<paramref name="output"/> is cleared
    /// first), as Detectron2's pred_masks.
    /// </summary>
    public static void PasteMask(
        ReadOnlySpan<float> maskProbs, int maskSize, float x1, float y1, float x2, float y2,
        int imageHeight, int imageWidth, float threshold, Span<byte> output)
    {
        ShapeException.ThrowIfNotPositive("PasteMasks", nameof(imageHeight), imageHeight);
        ShapeException.ThrowIfNotPositive("PasteMasks", nameof(imageWidth), imageWidth);
        ShapeException.ThrowIfLengthNot("PasteMasks", nameof(output), (long)imageHeight * imageWidth, output.Length);
        output.Clear();
        MaskRegion r = Region(x1, y1, x2, y2, imageHeight, imageWidth);
        CheckMask(maskProbs, maskSize);
        for (int y = r.Y0; y < r.Y1; y++)
            SampleRow(maskProbs, maskSize, x1, y1, x2, y2, r, y, threshold, output.Slice((y * imageWidth) + r.X0, r.Width));
    }

    /// <summary>
    /// Pastes one mask into just its region: <paramref name="crop"/> receives region.Height x region.Width bytes
    /// (row-major, 0/1) for image rows Y0.. and columns X0.. of the returned region; the rest of the image is 0.
    /// </summary>
    public static MaskRegion PasteMaskRegion(
        ReadOnlySpan<float> maskProbs, int maskSize, float x1, float y1, float x2, float y2,
        int imageHeight, int imageWidth, float threshold, Span<byte> crop)
    {
        ShapeException.ThrowIfNotPositive("PasteMasks", nameof(imageHeight), imageHeight);
        ShapeException.ThrowIfNotPositive("PasteMasks", nameof(imageWidth), imageWidth);
        CheckMask(maskProbs, maskSize);
        MaskRegion r = Region(x1, y1, x2, y2, imageHeight, imageWidth);
        ShapeException.ThrowIfLengthBelow("PasteMasks", nameof(crop), (long)r.Width * r.Height, crop.Length);
        for (int y = r.Y0; y < r.Y1; y++)
            SampleRow(maskProbs, maskSize, x1, y1, x2, y2, r, y, threshold, crop.Slice((y - r.Y0) * r.Width, r.Width));
        return r;
    }

    private static void SampleRow(
        ReadOnlySpan<float> mask, int size, float x1, float y1, float x2, float y2, MaskRegion r, int y, float threshold, Span<byte> dst)
    {
        float scaling = (float)size / 2;
        float gy = ((((y + 0.5f) - y1) / (y2 - y1)) * 2f) - 1f;
        float iy = ((gy + 1f) * scaling) - 0.5f;
        float yN = MathF.Floor(iy);
        float n = iy - yN;
        float s = 1f - n;
        int yNorth = (int)yN, ySouth = yNorth + 1;
        bool northIn = yNorth > -1 && yNorth < size, southIn = ySouth > -1 && ySouth < size;
        for (int x = r.X0; x < r.X1; x++)
        {
            float gx = ((((x + 0.5f) - x1) / (x2 - x1)) * 2f) - 1f;
            float ix = ((gx + 1f) * scaling) - 0.5f;
            float xW = MathF.Floor(ix);
            float w = ix - xW;
            float e = 1f - w;
            int xWest = (int)xW, xEast = xWest + 1;
            bool westIn = xWest > -1 && xWest < size, eastIn = xEast > -1 && xEast < size;
            float nwVal = northIn && westIn ? mask[(yNorth * size) + xWest] : 0f;
            float neVal = northIn && eastIn ? mask[(yNorth * size) + xEast] : 0f;
            float swVal = southIn && westIn ? mask[(ySouth * size) + xWest] : 0f;
            float seVal = southIn && eastIn ? mask[(ySouth * size) + xEast] : 0f;
            float value = (nwVal * (s * e)) + (neVal * (s * w)) + (swVal * (n * e)) + (seVal * (n * w));
            dst[x - r.X0] = value >= threshold ? (byte)1 : (byte)0;
        }
    }

    private static void CheckMask(ReadOnlySpan<float> maskProbs, int maskSize)
    {
        ShapeException.ThrowIfNotPositive("PasteMasks", nameof(maskSize), maskSize);
        if (maskProbs.Length != (long)maskSize * maskSize)
            throw new ShapeException("PasteMasks", nameof(maskProbs), string.Create(CultureInfo.InvariantCulture, $"{maskSize} x {maskSize} = {maskSize * maskSize} values"), string.Create(CultureInfo.InvariantCulture, $"{maskProbs.Length}"));
    }
}
