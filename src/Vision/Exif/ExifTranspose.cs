namespace Detserve.Vision.Exif;

/// <summary>
/// Applies an EXIF orientation the way detectron2.data.detection_utils._apply_exif_orientation does (the same table
/// as PIL.ImageOps.exif_transpose): 2 FLIP_LEFT_RIGHT, 3 ROTATE_180, 4 FLIP_TOP_BOTTOM, 5 TRANSPOSE, 6 ROTATE_270,
/// 7 TRANSVERSE, 8 ROTATE_90 (PIL rotations are counter-clockwise). Any other value leaves the image as it is.
/// </summary>
internal static class ExifTranspose
{
    /// <summary>The oriented image (the same instance for orientation 1 or an unknown value).</summary>
    public static RgbImage Apply(RgbImage image, int orientation)
    {
        if (orientation is < 2 or > 8) return image;
        int w = image.Width, h = image.Height;
        bool swap = orientation >= 5;
        int outW = swap ? h : w, outH = swap ? w : h;
        var dst = new byte[image.Pixels.Length];
        ReadOnlySpan<byte> src = image.Pixels;
        for (int y = 0; y < outH; y++)
        {
            for (int x = 0; x < outW; x++)
            {
                // (sx, sy): the source pixel that lands at output (x, y).
                (int sx, int sy) = orientation switch
                {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x),
                };
                int s = ((sy * w) + sx) * 3, d = ((y * outW) + x) * 3;
                dst[d] = src[s];
                dst[d + 1] = src[s + 1];
                dst[d + 2] = src[s + 2];
            }
        }
        return new RgbImage(outW, outH, dst);
    }
}
