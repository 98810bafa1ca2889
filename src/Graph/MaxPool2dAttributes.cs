namespace Detserve.Graph;

/// <summary>F.max_pool2d(kernel, stride, padding) in floor mode with -inf padding.</summary>
public sealed record MaxPool2dAttributes(int Kernel, int Stride, int Pad) : OpAttributes
{
    /// <summary>PyTorch's floor-mode output size.</summary>
    public (int Height, int Width) OutputSize(int height, int width) =>
        ((height + 2 * Pad - Kernel) / Stride + 1, (width + 2 * Pad - Kernel) / Stride + 1);
}
