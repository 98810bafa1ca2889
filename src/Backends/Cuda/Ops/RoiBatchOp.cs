namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// Glue between per-image fixed-capacity outputs and batched ROI stages (Kernels/roi_batch.cu): ROIPooler's
/// (image index, box) rows and detector_postprocess's box rescale + clip. Borrows the library.
/// </summary>
public sealed class RoiBatchOp
{
    private readonly CudaKernel _makeRois, _rescale;

    /// <summary>Loads the kernels.</summary>
    public RoiBatchOp(KernelLibrary library)
    {
        ArgumentNullException.ThrowIfNull(library);
        _makeRois = library.Get("roi_batch.cu", "make_rois");
        _rescale = library.Get("roi_batch.cu", "rescale_boxes");
    }

    /// <summary>rois [rows, 5] = (row / perImage, box) from boxes [rows, 4].</summary>
    public void MakeRois(DeviceBuffer boxes, int perImage, int rows, DeviceBuffer rois, CudaStream stream)
    {
        const string op = "MakeRois";
        DeviceShape.Positive(op, nameof(perImage), perImage);
        DeviceShape.NotNegative(op, nameof(rows), rows);
        DeviceShape.Holds(op, nameof(boxes), boxes, rows * 4L, 4);
        DeviceShape.Holds(op, nameof(rois), rois, rows * 5L, 4);
        if (rows == 0) return;
        _makeRois.Launch(LaunchGeometry.ForElements(rows), stream, new KernelArguments().Add(boxes).Add(perImage).Add(rows).Add(rois));
    }

    /// <summary>output [rows, 4] = boxes scaled by (scaleX, scaleY) and clipped to [0, width] x [0, height]; output may be boxes.</summary>
    public void RescaleBoxes(DeviceBuffer boxes, int rows, float scaleX, float scaleY, int height, int width, DeviceBuffer output, CudaStream stream)
    {
        const string op = "RescaleBoxes";
        DeviceShape.NotNegative(op, nameof(rows), rows);
        DeviceShape.Holds(op, nameof(boxes), boxes, rows * 4L, 4);
        DeviceShape.Holds(op, nameof(output), output, rows * 4L, 4);
        if (rows == 0) return;
        _rescale.Launch(LaunchGeometry.ForElements(rows), stream,
            new KernelArguments().Add(boxes).Add(rows).Add(scaleX).Add(scaleY).Add((float)height).Add((float)width).Add(output));
    }
}
