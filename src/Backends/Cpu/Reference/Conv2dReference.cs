namespace Detserve.Backends.Cpu.Reference;

/// <summary>
/// The definition of <see cref="Conv2d"/>: torch.nn.functional.conv2d (zero padding, groups, dilation) as a direct
/// sum, accumulated in double, then + bias, + residual, ReLU. Slow on purpose.
/// </summary>
public static class Conv2dReference
{
    /// <summary>output[n, co, oy, ox] = relu?(bias[co] + Σ weight[co, ci, ky, kx]·input[n, g·Cin/g + ci, oy·s − p + ky·d, ox·s − p + kx·d] + residual).</summary>
    public static void Forward(
        Conv2dSpec spec, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> input,
        int batch, int height, int width, Span<float> output, ReadOnlySpan<float> residual = default)
    {
        (int outH, int outW) = spec.OutputSize(height, width);
        int cinG = spec.InChannels / spec.Groups, coutG = spec.OutChannels / spec.Groups;
        for (int n = 0; n < batch; n++)
        for (int co = 0; co < spec.OutChannels; co++)
        {
            int g = co / coutG;
            for (int oy = 0; oy < outH; oy++)
            for (int ox = 0; ox < outW; ox++)
            {
                double sum = 0;
                for (int ci = 0; ci < cinG; ci++)
                for (int ky = 0; ky < spec.KernelH; ky++)
                for (int kx = 0; kx < spec.KernelW; kx++)
                {
                    int iy = (oy * spec.StrideH) - spec.PadH + (ky * spec.DilationH);
                    int ix = (ox * spec.StrideW) - spec.PadW + (kx * spec.DilationW);
                    if (iy < 0 || iy >= height || ix < 0 || ix >= width) continue;
                    float x = input[(((n * spec.InChannels) + (g * cinG) + ci) * height + iy) * width + ix];
                    float w = weight[(((co * cinG) + ci) * spec.KernelH + ky) * spec.KernelW + kx];
                    sum += (double)x * w;
                }
                int o = (((n * spec.OutChannels) + co) * outH + oy) * outW + ox;
                float v = (float)sum;
                if (!bias.IsEmpty) v += bias[co];
                if (!residual.IsEmpty) v += residual[o];
                if (spec.Relu && v < 0) v = 0;
                output[o] = v;
            }
        }
    }
}
