namespace Detserve.Backends.Cpu.Reference;

/// <summary>
/// The definition of <see cref="MaxPool2d"/>: aten/src/ATen/native/cpu/MaxPoolKernel.cpp cpu_max_pool for NCHW,
/// floor mode: each output is the max over its window clipped to the input (padding never wins), NaN propagating.
/// </summary>
public static class MaxPool2dReference
{
    /// <summary>Computes output [batch, channels, Ho, Wo].</summary>
    public static void Forward(ReadOnlySpan<float> input, int batch, int channels, int height, int width, int kernel, int stride, int pad, Span<float> output)
    {
        int outH = ((height + (2 * pad) - kernel) / stride) + 1;
        int outW = ((width + (2 * pad) - kernel) / stride) + 1;
        for (int p = 0; p < batch * channels; p++)
        for (int oy = 0; oy < outH; oy++)
        for (int ox = 0; ox < outW; ox++)
        {
            float max = float.NegativeInfinity;
            for (int ky = 0; ky < kernel; ky++)
            for (int kx = 0; kx < kernel; kx++)
            {
                int iy = (oy * stride) - pad + ky, ix = (ox * stride) - pad + kx;
                if (iy < 0 || iy >= height || ix < 0 || ix >= width) continue;
                float v = input[(p * height * width) + (iy * width) + ix];
                if (v > max || float.IsNaN(v)) max = v;
            }
            output[(p * outH * outW) + (oy * outW) + ox] = max;
        }
    }
}
