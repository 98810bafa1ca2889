namespace Detserve.Backends.Cpu.Reference;

/// <summary>
/// The definition of <see cref="ConvTranspose2d"/>: torch.nn.functional.conv_transpose2d as a gather,
/// y[n, co, oy, ox] = bias[co] + Σ x[n, ci, iy, ix]·w[ci, co, ky, kx] over oy = iy·s − p + ky, ox = ix·s − p + kx,
/// accumulated in double; then ReLU.
/// </summary>
public static class ConvTranspose2dReference
{
    /// <summary>Computes the layer output [batch, Cout, Ho, Wo].</summary>
    public static void Forward(
        ConvTranspose2dSpec spec, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> input,
        int batch, int height, int width, Span<float> output)
    {
        (int outH, int outW) = spec.OutputSize(height, width);
        for (int n = 0; n < batch; n++)
        for (int co = 0; co < spec.OutChannels; co++)
        for (int oy = 0; oy < outH; oy++)
        for (int ox = 0; ox < outW; ox++)
        {
            double sum = 0;
            for (int ky = 0; ky < spec.KernelH; ky++)
            {
                int ty = oy + spec.PadH - ky;
                if (ty < 0 || ty % spec.StrideH != 0) continue;
                int iy = ty / spec.StrideH;
                if (iy >= height) continue;
                for (int kx = 0; kx < spec.KernelW; kx++)
                {
                    int tx = ox + spec.PadW - kx;
                    if (tx < 0 || tx % spec.StrideW != 0) continue;
                    int ix = tx / spec.StrideW;
                    if (ix >= width) continue;
                    for (int ci = 0; ci < spec.InChannels; ci++)
                    {
                        float x = input[(((n * spec.InChannels) + ci) * height + iy) * width + ix];
                        float w = weight[(((ci * spec.OutChannels) + co) * spec.KernelH + ky) * spec.KernelW + kx];
                        sum += (double)x * w;
                    }
                }
            }
            float v = (float)sum;
            if (!bias.IsEmpty) v += bias[co];
            if (spec.Relu && v < 0) v = 0;
            output[(((n * spec.OutChannels) + co) * outH + oy) * outW + ox] = v;
        }
    }
}
