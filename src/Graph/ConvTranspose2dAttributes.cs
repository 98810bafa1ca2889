namespace Detserve.Graph;

/// <summary>
/// nn.ConvTranspose2d; <see cref="Weight"/> is [InChannels, OutChannels, KernelH, KernelW] (PyTorch layout), <see cref="Bias"/> [OutChannels] or null.
/// </summary>
public sealed record ConvTranspose2dAttributes(
    int InChannels,
    int OutChannels,
    int KernelH,
    int KernelW,
    int StrideH,
    int StrideW,
    int PadH,
    int PadW,
    float[] Weight,
    float[]? Bias,
    bool Relu = false) : OpAttributes
{
    /// <summary>PyTorch's output size rule (no output_padding, dilation 1): (in - 1) stride - 2 pad + k.</summary>
    public (int Height, int Width) OutputSize(int height, int width) =>
        ((height - 1) * StrideH - 2 * PadH + KernelH, (width - 1) * StrideW - 2 * PadW + KernelW);
}
