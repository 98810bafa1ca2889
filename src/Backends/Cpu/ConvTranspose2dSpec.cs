namespace Detserve.Backends.Cpu;

/// <summary>
/// Attributes of torch.nn.ConvTranspose2d (groups 1, dilation 1, no output padding), plus a fused ReLU after the bias.
/// Weight layout is PyTorch's [InChannels, OutChannels, KernelH, KernelW].
/// </summary>
public readonly record struct ConvTranspose2dSpec(
    int InChannels, int OutChannels, int KernelH, int KernelW, int StrideH, int StrideW, int PadH = 0, int PadW = 0, bool Relu = false)
{
    /// <summary>PyTorch's output size: (in − 1)·stride − 2·pad + kernel per axis.</summary>
    /// <exception cref="ShapeException">the result is not positive.</exception>
    public (int OutHeight, int OutWidth) OutputSize(int height, int width)
    {
        int h = ((height - 1) * StrideH) - (2 * PadH) + KernelH;
        int w = ((width - 1) * StrideW) - (2 * PadW) + KernelW;
        if (height <= 0 || width <= 0 || h <= 0 || w <= 0)
            throw new ShapeException("ConvTranspose2d", "height/width", $"an input giving a positive output size for {this}", $"{height} x {width}");
        return (h, w);
    }

    /// <summary>Elements of the weight tensor [InChannels, OutChannels, KernelH, KernelW].</summary>
    public int WeightLength => InChannels * OutChannels * KernelH * KernelW;

    /// <summary>Throws <see cref="ShapeException"/> when an attribute is out of range.</summary>
    internal void Validate()
    {
        const string op = "ConvTranspose2d";
        ShapeException.ThrowIfNotPositive(op, nameof(InChannels), InChannels);
        ShapeException.ThrowIfNotPositive(op, nameof(OutChannels), OutChannels);
        ShapeException.ThrowIfNotPositive(op, nameof(KernelH), KernelH);
        ShapeException.ThrowIfNotPositive(op, nameof(KernelW), KernelW);
        ShapeException.ThrowIfNotPositive(op, nameof(StrideH), StrideH);
        ShapeException.ThrowIfNotPositive(op, nameof(StrideW), StrideW);
        ShapeException.ThrowIfNegative(op, nameof(PadH), PadH);
        ShapeException.ThrowIfNegative(op, nameof(PadW), PadW);
    }
}
