using Detserve.Vision.Resize;

namespace Detserve.Vision;

/// <summary>
/// Pillow 9.4's <c>Image.resize(size, Image.BILINEAR)</c> on 8-bit 3-channel images, bit for bit: separable triangle
/// filter whose support widens with the reduction factor (antialiasing), fixed-point weights, a horizontal pass into an
/// 8-bit intermediate covering only the rows the vertical pass reads, then the vertical pass
/// (libImaging/Resample.c ImagingResampleInner). Each pass runs only when that dimension changes; equal sizes copy.
/// This is the resize detectron2's ResizeTransform.apply_image applies to uint8 images, so the channel order does not
/// matter (BGR in, BGR out).
/// </summary>
public static class PillowResize
{
    /// <summary>A new image of <paramref name="newWidth"/> x <paramref name="newHeight"/>.</summary>
    public static RgbImage Bilinear(RgbImage source, int newWidth, int newHeight)
    {
        ArgumentNullException.ThrowIfNull(source);
        byte[] pixels = Bilinear(source.Pixels, source.Width, source.Height, newWidth, newHeight);
        return new RgbImage(newWidth, newHeight, pixels);
    }

    /// <summary>
    /// Resizes interleaved 3-channel bytes (height x width x 3, any channel order) and returns newHeight x newWidth x 3.
    /// </summary>
    public static byte[] Bilinear(ReadOnlySpan<byte> pixels, int width, int height, int newWidth, int newHeight)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(newWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(newHeight);
        if (pixels.Length != (long)width * height * 3)
            throw new ArgumentException($"{pixels.Length} bytes do not fit a {width}x{height} 3-channel image", nameof(pixels));

        bool horizontal = newWidth != width;
        bool vertical = newHeight != height;
        if (!horizontal && !vertical) return pixels.ToArray();

        ResampleCoefficients columns = ResampleCoefficients.Bilinear(width, newWidth);
        ResampleCoefficients rows = ResampleCoefficients.Bilinear(height, newHeight);

        // Rows the vertical pass reads: bounds_vert[0] .. bounds_vert[last] + count[last].
        int firstRow = rows.First[0];
        int lastRow = rows.First[newHeight - 1] + rows.Count[newHeight - 1];

        ReadOnlySpan<byte> intermediate = pixels;
        int intermediateWidth = width, rowOffset = 0;
        byte[]? temp = null;
        if (horizontal)
        {
            int tempRows = vertical ? lastRow - firstRow : height;
            int tempFirst = vertical ? firstRow : 0;
            temp = new byte[(long)tempRows * newWidth * 3];
            ResampleHorizontal(pixels, width, tempFirst, tempRows, columns, newWidth, temp);
            intermediate = temp;
            intermediateWidth = newWidth;
            rowOffset = tempFirst;
            if (!vertical) return temp;
        }

        var output = new byte[(long)newHeight * intermediateWidth * 3];
        ResampleVertical(intermediate, intermediateWidth, rowOffset, rows, newHeight, output);
        return output;
    }

    private static void ResampleHorizontal(ReadOnlySpan<byte> src, int width, int firstRow, int rowCount, ResampleCoefficients c, int newWidth, Span<byte> dst)
    {
        int ksize = c.KernelSize;
        const int Half = 1 << (ResampleCoefficients.PrecisionBits - 1);
        for (int y = 0; y < rowCount; y++)
        {
            ReadOnlySpan<byte> line = src.Slice((firstRow + y) * width * 3, width * 3);
            Span<byte> outLine = dst.Slice(y * newWidth * 3, newWidth * 3);
            for (int xx = 0; xx < newWidth; xx++)
            {
                int xmin = c.First[xx], n = c.Count[xx];
                ReadOnlySpan<int> k = c.Weights.AsSpan(xx * ksize, n);
                int s0 = Half, s1 = Half, s2 = Half;
                ReadOnlySpan<byte> taps = line.Slice(xmin * 3, n * 3);
                for (int x = 0; x < k.Length; x++)
                {
                    int w = k[x];
                    s0 += taps[x * 3] * w;
                    s1 += taps[(x * 3) + 1] * w;
                    s2 += taps[(x * 3) + 2] * w;
                }
                outLine[xx * 3] = ResampleCoefficients.Clip8(s0);
                outLine[(xx * 3) + 1] = ResampleCoefficients.Clip8(s1);
                outLine[(xx * 3) + 2] = ResampleCoefficients.Clip8(s2);
            }
        }
    }

    private static void ResampleVertical(ReadOnlySpan<byte> src, int width, int rowOffset, ResampleCoefficients c, int newHeight, Span<byte> dst)
    {
        int ksize = c.KernelSize;
        int rowBytes = width * 3;
        const int Half = 1 << (ResampleCoefficients.PrecisionBits - 1);
        int[] acc = new int[rowBytes];
        for (int yy = 0; yy < newHeight; yy++)
        {
            int ymin = c.First[yy] - rowOffset, n = c.Count[yy];
            ReadOnlySpan<int> k = c.Weights.AsSpan(yy * ksize, n);
            Array.Fill(acc, Half);
            for (int y = 0; y < n; y++)
            {
                int w = k[y];
                ReadOnlySpan<byte> line = src.Slice((ymin + y) * rowBytes, rowBytes);
                for (int i = 0; i < rowBytes; i++) acc[i] += line[i] * w;
            }
            Span<byte> outLine = dst.Slice(yy * rowBytes, rowBytes);
            for (int i = 0; i < rowBytes; i++) outLine[i] = ResampleCoefficients.Clip8(acc[i]);
        }
    }
}
