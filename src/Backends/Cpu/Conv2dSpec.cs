using System.Globalization;

namespace Detserve.Backends.Cpu;

/// <summary>
/// Attributes of a 2-D convolution as torch.nn.Conv2d takes them (zero padding, no output padding), plus a fused ReLU
/// applied after the bias and the optional residual add.
/// </summary>
public readonly record struct Conv2dSpec(
    int InChannels, int OutChannels, int KernelH, int KernelW,
    int StrideH = 1, int StrideW = 1, int PadH = 0, int PadW = 0,
    int DilationH = 1, int DilationW = 1, int Groups = 1, bool Relu = false)
{
    /// <summary>PyTorch's output size: floor((in + 2·pad − dilation·(kernel − 1) − 1) / stride) + 1 per axis.</summary>
    /// <exception cref="ShapeException">the input is too small for the kernel.</exception>
    public (int OutHeight, int OutWidth) OutputSize(int height, int width)
    {
        int h = ((height + (2 * PadH) - (DilationH * (KernelH - 1)) - 1) / StrideH) + 1;
        int w = ((width + (2 * PadW) - (DilationW * (KernelW - 1)) - 1) / StrideW) + 1;
        if (height <= 0 || width <= 0 || h <= 0 || w <= 0 || height + (2 * PadH) < (DilationH * (KernelH - 1)) + 1 || width + (2 * PadW) < (DilationW * (KernelW - 1)) + 1)
            throw new ShapeException("Conv2d", "height/width", $"an input of at least the dilated kernel size for {this}", $"{height} x {width}");
        return (h, w);
    }

    /// <summary>Elements of the weight tensor [OutChannels, InChannels / Groups, KernelH, KernelW].</summary>
    public int WeightLength => OutChannels * (InChannels / Math.Max(1, Groups)) * KernelH * KernelW;

    /// <summary>Throws <see cref="ShapeException"/> when an attribute is out of range.</summary>
    internal void Validate()
    {
        const string op = "Conv2d";
        ShapeException.ThrowIfNotPositive(op, nameof(InChannels), InChannels);
        ShapeException.ThrowIfNotPositive(op, nameof(OutChannels), OutChannels);
        ShapeException.ThrowIfNotPositive(op, nameof(KernelH), KernelH);
        ShapeException.ThrowIfNotPositive(op, nameof(KernelW), KernelW);
        ShapeException.ThrowIfNotPositive(op, nameof(StrideH), StrideH);
        ShapeException.ThrowIfNotPositive(op, nameof(StrideW), StrideW);
        ShapeException.ThrowIfNegative(op, nameof(PadH), PadH);
        ShapeException.ThrowIfNegative(op, nameof(PadW), PadW);
        ShapeException.ThrowIfNotPositive(op, nameof(DilationH), DilationH);
        ShapeException.ThrowIfNotPositive(op, nameof(DilationW), DilationW);
        ShapeException.ThrowIfNotPositive(op, nameof(Groups), Groups);
        if (InChannels % Groups != 0 || OutChannels % Groups != 0)
            throw new ShapeException(op, nameof(Groups), "a divisor of InChannels and OutChannels",
                string.Create(CultureInfo.InvariantCulture, $"{Groups} (InChannels {InChannels}, OutChannels {OutChannels})"));
    }
}
