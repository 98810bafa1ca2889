using System.Runtime.Intrinsics;

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
                    using PooledBuffer<float> colMax = ctx.RentFloats(width);
                    fixed (float* cm = colMax.Array)
                    {
                        for (int p = p0; p < p1; p++)
                            PoolPlane(inPtr + ((long)p * height * width), height, width, kernel, stride, pad, outPtr + ((long)p * outH * outW), outH, outW, cm);
                    }
                });
            }
        }
    }

    // Column max over the window's rows (SIMD), then the max over each window's columns. Vector256.Max and MathF.Max
    // propagate NaN like PyTorch's `val > maxval || isnan(val)`; they differ from it only in the sign of an all-zero
    // window's result (+0 vs -0), which compares equal.
    private static unsafe void PoolPlane(float* src, int height, int width, int kernel, int stride, int pad, float* dst, int outH, int outW, float* colMax)
    {
        for (int oy = 0; oy < outH; oy++)
        {
            int y0 = (oy * stride) - pad;
            int y1 = Math.Min(y0 + kernel, height);
            y0 = Math.Max(y0, 0);
            new ReadOnlySpan<float>(src + ((long)y0 * width), width).CopyTo(new Span<float>(colMax, width));
            for (int y = y0 + 1; y < y1; y++)
            {
                float* row = src + ((long)y * width);
                int x = 0;
                for (; x <= width - Vector256<float>.Count; x += Vector256<float>.Count)
                    Vector256.Store(Vector256.Max(Vector256.Load(colMax + x), Vector256.Load(row + x)), colMax + x);
                for (; x < width; x++) colMax[x] = MathF.Max(colMax[x], row[x]);
            }
            float* outRow = dst + ((long)oy * outW);
            for (int ox = 0; ox < outW; ox++)
            {
                int x0 = (ox * stride) - pad;
                int x1 = Math.Min(x0 + kernel, width);
                x0 = Math.Max(x0, 0);
                float max = float.NegativeInfinity;
                for (int x = x0; x < x1; x++) max = MathF.Max(max, colMax[x]);
                outRow[ox] = max;
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
