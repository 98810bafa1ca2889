namespace Detserve.Graph;

/// <summary>
/// nn.Conv2d parameters and weights. <see cref="Weight"/> is [OutChannels, InChannels / Groups, KernelH, KernelW] (PyTorch layout),
/// <see cref="Bias"/> is [OutChannels] or null. <see cref="Relu"/> and a residual input (the node's second input) only appear after
/// <see cref="Compile.GraphCompiler"/> fused them; a freshly built graph keeps them as separate nodes.
/// </summary>
public sealed record Conv2dAttributes(
    int InChannels,
    int OutChannels,
    int KernelH,
    int KernelW,
    int StrideH,
    int StrideW,
    int PadH,
    int PadW,
    int Dilation,
    int Groups,
    float[] Weight,
    float[]? Bias,
    bool Relu = false) : OpAttributes
{
    /// <summary>PyTorch's output size rule: floor((in + 2 pad - dilation (k - 1) - 1) / stride) + 1.</summary>
    public (int Height, int Width) OutputSize(int height, int width) =>
        ((height + 2 * PadH - Dilation * (KernelH - 1) - 1) / StrideH + 1,
         (width + 2 * PadW - Dilation * (KernelW - 1) - 1) / StrideW + 1);
}
