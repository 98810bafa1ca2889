namespace Detserve.Backends.Cpu.Reference;

/// <summary>
/// The definition of <see cref="PasteMasks"/>: detectron2 layers/mask_ops.py _do_paste_mask (skip_empty=True) + the
/// `>= threshold` of paste_masks_in_image, with F.grid_sample (bilinear, zeros, align_corners=False) written per pixel
/// as PyTorch's vectorised CPU kernel computes it (GridSamplerKernel.cpp: unnormalize (g + 1)·(size / 2) − 0.5,
/// weights nw = (1 − n)(1 − w) ... from floor distances, out-of-range taps read 0).
/// </summary>
public static class PasteMasksReference
{
    /// <summary>The full H x W 0/1 mask.</summary>
    public static byte[] PasteMask(ReadOnlySpan<float> mask, int m, float x0, float y0, float x1, float y1, int imgH, int imgW, float threshold)
    {
        byte[] result = new byte[imgH * imgW];
        int x0Int = (int)Math.Max(MathF.Floor(x0) - 1, 0), y0Int = (int)Math.Max(MathF.Floor(y0) - 1, 0);
        int x1Int = (int)Math.Min(MathF.Ceiling(x1) + 1, imgW), y1Int = (int)Math.Min(MathF.Ceiling(y1) + 1, imgH);
        float scale = (float)m / 2;
        for (int y = y0Int; y < y1Int; y++)
        for (int x = x0Int; x < x1Int; x++)
        {
            float imgY = (y + 0.5f - y0) / (y1 - y0) * 2 - 1;
            float imgX = (x + 0.5f - x0) / (x1 - x0) * 2 - 1;
            float iy = ((imgY + 1) * scale) - 0.5f;
            float ix = ((imgX + 1) * scale) - 0.5f;
            float xw = MathF.Floor(ix), yn = MathF.Floor(iy);
            float w = ix - xw, e = 1 - w, n = iy - yn, s = 1 - n;
            float v = (Tap(mask, m, (int)yn, (int)xw) * (s * e)) + (Tap(mask, m, (int)yn, (int)xw + 1) * (s * w))
                + (Tap(mask, m, (int)yn + 1, (int)xw) * (n * e)) + (Tap(mask, m, (int)yn + 1, (int)xw + 1) * (n * w));
            result[(y * imgW) + x] = v >= threshold ? (byte)1 : (byte)0;
        }
        return result;
    }

    private static float Tap(ReadOnlySpan<float> mask, int m, int y, int x) => y >= 0 && y < m && x >= 0 && x < m ? mask[(y * m) + x] : 0f;
}
