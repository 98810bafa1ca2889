using System.Runtime.Intrinsics;
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
    /// The fixed-point taps <see cref="Bilinear(ReadOnlySpan{byte}, int, int, int, int)"/> uses for one axis of
    /// <paramref name="inSize"/> to <paramref name="outSize"/> samples (Resample.c precompute_coeffs +
    /// normalize_coeffs_8bpc): output i reads inputs First[i] .. First[i] + Count[i] - 1 with weights
    /// Weights[i * KernelSize ..], in 1 &lt;&lt; <see cref="PrecisionBits"/> fixed point. For device kernels that must
    /// match this resize bit for bit.
    /// </summary>
    public static (int KernelSize, int[] First, int[] Count, int[] Weights) BilinearCoefficients(int inSize, int outSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outSize);
        ResampleCoefficients c = ResampleCoefficients.Bilinear(inSize, outSize);
        return (c.KernelSize, c.First, c.Count, c.Weights);
    }

    /// <summary>Fraction bits of the weights and accumulators (Resample.c PRECISION_BITS).</summary>
    public const int PrecisionBits = ResampleCoefficients.PrecisionBits;

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
        if ((long)newWidth * newHeight * 3 > Array.MaxLength || (long)newWidth * height * 3 > Array.MaxLength)
            throw new ArgumentException($"a {newWidth}x{newHeight} 3-channel result does not fit in one array");

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

    private static unsafe void ResampleHorizontal(ReadOnlySpan<byte> src, int width, int firstRow, int rowCount, ResampleCoefficients c, int newWidth, Span<byte> dst)
    {
        int ksize = c.KernelSize;
        const int Half = 1 << (ResampleCoefficients.PrecisionBits - 1);
        // The coefficient tables are in range by construction (First + Count <= width), so the inner loop reads
        // through pointers; the row slices below are still bounds-checked once per row.
        fixed (int* weights = c.Weights)
        fixed (int* first = c.First)
        fixed (int* count = c.Count)
        {
            for (int y = 0; y < rowCount; y++)
            {
                ReadOnlySpan<byte> lineSpan = src.Slice((firstRow + y) * width * 3, width * 3);
                Span<byte> outSpan = dst.Slice(y * newWidth * 3, newWidth * 3);
                fixed (byte* line = lineSpan)
                fixed (byte* outLine = outSpan)
                {
                    for (int xx = 0; xx < newWidth; xx++)
                    {
                        int* k = weights + (xx * ksize);
                        byte* taps = line + (first[xx] * 3);
                        int n = count[xx];
                        int s0 = Half, s1 = Half, s2 = Half;
                        for (int x = 0; x < n; x++, taps += 3)
                        {
                            int w = k[x];
                            s0 += taps[0] * w;
                            s1 += taps[1] * w;
                            s2 += taps[2] * w;
                        }
                        byte* o = outLine + (xx * 3);
                        o[0] = ResampleCoefficients.Clip8(s0);
                        o[1] = ResampleCoefficients.Clip8(s1);
                        o[2] = ResampleCoefficients.Clip8(s2);
                    }
                }
            }
        }
    }

    private static void ResampleVertical(ReadOnlySpan<byte> src, int width, int rowOffset, ResampleCoefficients c, int newHeight, Span<byte> dst)
    {
        int ksize = c.KernelSize;
        int rowBytes = width * 3;
        const int Half = 1 << (ResampleCoefficients.PrecisionBits - 1);
        var acc = new int[rowBytes];
        for (int yy = 0; yy < newHeight; yy++)
        {
            int ymin = c.First[yy] - rowOffset, n = c.Count[yy];
            ReadOnlySpan<int> k = c.Weights.AsSpan(yy * ksize, n);
            Array.Fill(acc, Half);
            for (int y = 0; y < n; y++)
                MultiplyAdd(src.Slice((ymin + y) * rowBytes, rowBytes), k[y], acc);
            Span<byte> outLine = dst.Slice(yy * rowBytes, rowBytes);
            for (int i = 0; i < rowBytes; i++) outLine[i] = ResampleCoefficients.Clip8(acc[i]);
        }
    }

    /// <summary>acc[i] += line[i] * weight, 16 bytes at a time where Vector128 is accelerated.</summary>
    private static void MultiplyAdd(ReadOnlySpan<byte> line, int weight, Span<int> acc)
    {
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            Vector128<int> w = Vector128.Create(weight);
            for (; i <= line.Length - 16; i += 16)
            {
                Vector128<byte> bytes = Vector128.Create(line.Slice(i, 16));
                (Vector128<ushort> lo16, Vector128<ushort> hi16) = Vector128.Widen(bytes);
                (Vector128<uint> a, Vector128<uint> b) = Vector128.Widen(lo16);
                (Vector128<uint> cc, Vector128<uint> d) = Vector128.Widen(hi16);
                Span<int> target = acc.Slice(i, 16);
                (Vector128.Create((ReadOnlySpan<int>)target) + (a.AsInt32() * w)).CopyTo(target);
                (Vector128.Create((ReadOnlySpan<int>)target[4..]) + (b.AsInt32() * w)).CopyTo(target[4..]);
                (Vector128.Create((ReadOnlySpan<int>)target[8..]) + (cc.AsInt32() * w)).CopyTo(target[8..]);
                (Vector128.Create((ReadOnlySpan<int>)target[12..]) + (d.AsInt32() * w)).CopyTo(target[12..]);
            }
        }
        for (; i < line.Length; i++) acc[i] += line[i] * weight;
    }
}
