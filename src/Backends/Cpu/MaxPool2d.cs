namespace Detserve.Backends.Cpu;

/// <summary>
/// torch.nn.functional.max_pool2d on NCHW float32, floor mode, dilation 1, implicit −inf padding; a NaN in a window
/// wins, as in aten/src/ATen/native/cpu/MaxPoolKernel.cpp (`val > maxval || isnan(val)`). Planes run in parallel.
/// </summary>
public static class MaxPool2d
{
    /// <summary>floor((in + 2·pad − kernel) / stride) + 1 per axis (PyTorch's pooling_output_shape, ceil_mode False).</summary>
    public static (int OutHeight, int OutWidth) OutputSize(int height, int width, int kernel, int stride, int pad)
    {
        Validate(height, width, kernel, stride, pad);
        return (((height + (2 * pad) - kernel) / stride) + 1, ((width + (2 * pad) - kernel) / stride) + 1);
    }

    /// <summary>output [batch, channels, Ho, Wo] = max over each kernel x kernel window of input [batch, channels, height, width].</summary>
    public static void Forward(
        CpuContext ctx, ReadOnlySpan<float> input, int batch, int channels, int height, int width,
        int kernel, int stride, int pad, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ShapeException.ThrowIfNegative("MaxPool2d", nameof(batch), batch);
        ShapeException.ThrowIfNegative("MaxPool2d", nameof(channels), channels);
        (int outH, int outW) = OutputSize(height, width, kernel, stride, pad);
        int planes = batch * channels;
        ShapeException.ThrowIfLengthNot("MaxPool2d", nameof(input), (long)planes * height * width, input.Length);
        ShapeException.ThrowIfLengthNot("MaxPool2d", nameof(output), (long)planes * outH * outW, output.Length);
        unsafe
        {
            fixed (float* pIn = input)
            fixed (float* pOut = output)
            {
                float* inPtr = pIn, outPtr = pOut;
                ctx.ParallelForChunks(planes, 1, (p0, p1) =>
                {
                    for (int p = p0; p < p1; p++)
                    {
                        var src = new ReadOnlySpan<float>(inPtr + ((long)p * height * width), height * width);
                        var dst = new Span<float>(outPtr + ((long)p * outH * outW), outH * outW);
                        PoolPlane(src, height, width, kernel, stride, pad, dst, outH, outW);
                    }
                });
            }
        }
    }

    private static void PoolPlane(ReadOnlySpan<float> src, int height, int width, int kernel, int stride, int pad, Span<float> dst, int outH, int outW)
    {
        for (int oy = 0; oy < outH; oy++)
        {
            int y0 = (oy * stride) - pad;
            int y1 = Math.Min(y0 + kernel, height);
            y0 = Math.Max(y0, 0);
            for (int ox = 0; ox < outW; ox++)
            {
                int x0 = (ox * stride) - pad;
                int x1 = Math.Min(x0 + kernel, width);
                x0 = Math.Max(x0, 0);
                float max = float.NegativeInfinity;
                for (int y = y0; y < y1; y++)
                {
                    ReadOnlySpan<float> row = src.Slice(y * width, width);
                    for (int x = x0; x < x1; x++)
                    {
                        float v = row[x];
                        if (v > max || float.IsNaN(v)) max = v;
                    }
                }
                dst[(oy * outW) + ox] = max;
            }
        }
    }

    private static void Validate(int height, int width, int kernel, int stride, int pad)
    {
        ShapeException.ThrowIfNotPositive("MaxPool2d", nameof(kernel), kernel);
        ShapeException.ThrowIfNotPositive("MaxPool2d", nameof(stride), stride);
        ShapeException.ThrowIfNegative("MaxPool2d", nameof(pad), pad);
        if (pad > kernel / 2)
            throw new ShapeException("MaxPool2d", nameof(pad), $"at most kernel / 2 = {kernel / 2} (PyTorch's rule)", pad.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (height + (2 * pad) < kernel || width + (2 * pad) < kernel || height <= 0 || width <= 0)
            throw new ShapeException("MaxPool2d", "height/width", $"a padded input of at least {kernel} x {kernel}", $"{height} x {width} with pad {pad}");
    }
}
