using Detserve.Backends.Cpu;

namespace Detserve.Backends.Cuda.Ops;

/// <summary>Anchors of one feature level (Kernels/anchors.cu); matches <see cref="AnchorGenerator.GridAnchors"/>.</summary>
public sealed class GridAnchorsOp(KernelLibrary library)
{
    private readonly CudaKernel _kernel = (library ?? throw new ArgumentNullException(nameof(library))).Get("anchors.cu", "grid_anchors");

    /// <summary>output [featureHeight·featureWidth·A, 4] from cellAnchors [A, 4] (both float32 on the device).</summary>
    public void Enqueue(DeviceBuffer cellAnchors, int anchorsPerCell, int featureHeight, int featureWidth, int stride, double offset,
        DeviceBuffer output, CudaStream stream)
    {
        const string op = "AnchorGenerator";
        DeviceShape.Positive(op, nameof(anchorsPerCell), anchorsPerCell);
        DeviceShape.NotNegative(op, nameof(featureHeight), featureHeight);
        DeviceShape.NotNegative(op, nameof(featureWidth), featureWidth);
        DeviceShape.Positive(op, nameof(stride), stride);
        if (offset is < 0 or >= 1) throw new ShapeException(op, nameof(offset), "in [0, 1)", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        long total = (long)featureHeight * featureWidth * anchorsPerCell;
        DeviceShape.Holds(op, nameof(cellAnchors), cellAnchors, anchorsPerCell * 4L, 4);
        DeviceShape.Holds(op, nameof(output), output, total * 4, 4);
        var args = new KernelArguments()
            .Add(cellAnchors).Add(anchorsPerCell).Add(featureHeight).Add(featureWidth).Add(stride).Add(offset).Add(output);
        _kernel.Launch(LaunchGeometry.ForElements(total), stream, args);
    }
}
