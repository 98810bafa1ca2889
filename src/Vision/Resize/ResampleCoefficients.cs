namespace Detserve.Vision.Resize;

/// <summary>
/// Fixed-point filter taps for one axis of Pillow's separable resampling, as libImaging/Resample.c (Pillow 9.4)
/// builds them for the BILINEAR (triangle) filter: precompute_coeffs then normalize_coeffs_8bpc.
/// Output sample i reads input samples First[i] .. First[i] + Count[i] - 1 with weights Weights[i * KernelSize + k].
/// </summary>
internal sealed class ResampleCoefficients
{
    /// <summary>PRECISION_BITS = 32 - 8 - 2: 8 bits of result, 2 bits of headroom for filters with negative lobes.</summary>
    public const int PrecisionBits = 32 - 8 - 2;

    private ResampleCoefficients(int kernelSize, int[] first, int[] count, int[] weights)
    {
        KernelSize = kernelSize;
        First = first;
        Count = count;
        Weights = weights;
    }

    /// <summary>Taps reserved per output sample: ceil(support) * 2 + 1.</summary>
    public int KernelSize { get; }

    /// <summary>First input index per output sample.</summary>
    public int[] First { get; }

    /// <summary>Number of input samples used per output sample.</summary>
    public int[] Count { get; }

    /// <summary>Weights in 1 &lt;&lt; <see cref="PrecisionBits"/> fixed point, KernelSize per output sample.</summary>
    public int[] Weights { get; }

    /// <summary>Taps for resizing <paramref name="inSize"/> samples to <paramref name="outSize"/> over the box (0, inSize).</summary>
    public static ResampleCoefficients Bilinear(int inSize, int outSize)
    {
        // Resample.c works on a float box (in0, in1); (double)(in1 - in0) / outSize.
        float in0 = 0f, in1 = inSize;
        double scale = (double)(in1 - in0) / outSize;
        double filterScale = scale < 1.0 ? 1.0 : scale;
        double support = 1.0 * filterScale; // BILINEAR.support = 1.0, widened when shrinking (antialiasing)
        int kernelSize = ((int)Math.Ceiling(support) * 2) + 1;
        var first = new int[outSize];
        var count = new int[outSize];
        var weights = new int[outSize * kernelSize];
        Span<double> k = kernelSize <= 256 ? stackalloc double[kernelSize] : new double[kernelSize];
        double inverseFilterScale = 1.0 / filterScale;
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = in0 + ((xx + 0.5) * scale);
            // C's (int) truncates toward zero, as does the C# cast.
            int xmin = (int)(center - support + 0.5);
            if (xmin < 0) xmin = 0;
            int xmax = (int)(center + support + 0.5);
            if (xmax > inSize) xmax = inSize;
            xmax -= xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++)
            {
                double w = Triangle((x + xmin - center + 0.5) * inverseFilterScale);
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++)
            {
                if (ww != 0.0) k[x] /= ww;
            }
            for (int x = 0; x < kernelSize; x++)
            {
                double v = x < xmax ? k[x] : 0.0;
                // normalize_coeffs_8bpc: round half away from zero into fixed point.
                weights[(xx * kernelSize) + x] = v < 0
                    ? (int)(-0.5 + (v * (1 << PrecisionBits)))
                    : (int)(0.5 + (v * (1 << PrecisionBits)));
            }
            first[xx] = xmin;
            count[xx] = xmax;
        }
        return new ResampleCoefficients(kernelSize, first, count, weights);
    }

    /// <summary>Resample.c bilinear_filter: 1 - |x| inside (-1, 1).</summary>
    private static double Triangle(double x)
    {
        if (x < 0.0) x = -x;
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    /// <summary>
    /// clip8: the accumulator (which starts at 1 &lt;&lt; (PrecisionBits - 1), i.e. rounding) shifted down and
    /// clamped to 0..255 (Resample.c's _clip8_lookups table).
    /// </summary>
    public static byte Clip8(int accumulator)
    {
        int v = accumulator >> PrecisionBits;
        return v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;
    }
}
