namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// Pillow BILINEAR resize of a uint8 HWC 3-channel image on the GPU (Kernels/resize_bilinear.cu), bit-exact with
/// <see cref="Vision.PillowResize.Bilinear(ReadOnlySpan{byte}, int, int, int, int)"/>: the host builds Pillow's integer
/// tables (<see cref="BilinearResizeTables"/>), they are uploaded into the workspace, then the horizontal pass (only
/// over the source rows the vertical pass reads) and the vertical pass run as in Resample.c ImagingResampleInner.
/// Borrows the library.
/// </summary>
public sealed class BilinearResizeOp(KernelLibrary library)
{
    private readonly CudaKernel _horizontal = (library ?? throw new ArgumentNullException(nameof(library)))
        .Get("resize_bilinear.cu", "resize_bilinear_horizontal");

    private readonly CudaKernel _vertical = library.Get("resize_bilinear.cu", "resize_bilinear_vertical");

    /// <summary>Threads per block of both passes.</summary>
    public const int BlockSize = 256;

    /// <summary>Launch of the horizontal pass: one thread per intermediate pixel.</summary>
    public static LaunchGeometry HorizontalGeometry(BilinearResizeTables tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        return LaunchGeometry.ForElements((long)tables.IntermediateRows * tables.NewWidth, BlockSize);
    }

    /// <summary>Launch of the vertical pass: one thread per output pixel.</summary>
    public static LaunchGeometry VerticalGeometry(BilinearResizeTables tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        return LaunchGeometry.ForElements((long)tables.NewHeight * tables.NewWidth, BlockSize);
    }

    /// <summary>
    /// Resizes <paramref name="image"/> [Height, Width, 3] into <paramref name="output"/> [NewHeight, NewWidth, 3]
    /// (uint8, queued on <paramref name="stream"/>). <paramref name="workspace"/> holds at least
    /// <see cref="BilinearResizeTables.WorkspaceBytes"/> and must not be in use by other queued work; the tables are
    /// uploaded from pageable memory, so this is not for graph capture.
    /// </summary>
    public void Enqueue(BilinearResizeTables tables, DeviceBuffer image, DeviceBuffer output, DeviceBuffer workspace, CudaStream stream)
    {
        const string op = "BilinearResize";
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(stream);
        DeviceShape.Holds(op, nameof(image), image, (long)tables.Height * tables.Width * 3, 1);
        long outputBytes = (long)tables.NewHeight * tables.NewWidth * 3;
        DeviceShape.Holds(op, nameof(output), output, outputBytes, 1);
        DeviceShape.Holds(op, nameof(workspace), workspace, tables.WorkspaceBytes, 1);
        if (!tables.Horizontal && !tables.Vertical)
        {
            // Pillow returns a copy when the size is unchanged.
            output.CopyFrom(image, outputBytes, stream);
            return;
        }
        workspace.Upload<int>(tables.Packed, stream);
        DeviceBuffer verticalSource = image;
        int rowOffset = 0;
        if (tables.Horizontal)
        {
            DeviceBuffer target = tables.Vertical
                ? workspace.Slice(tables.IntermediateOffsetBytes, tables.IntermediateBytes)
                : output;
            var h = new KernelArguments()
                .Add(image).Add(tables.Width).Add(tables.FirstRow).Add(tables.IntermediateRows)
                .Add(workspace, 4L * tables.ColumnFirstAt).Add(workspace, 4L * tables.ColumnCountAt)
                .Add(workspace, 4L * tables.ColumnWeightsAt).Add(tables.ColumnKernelSize)
                .Add(target).Add(tables.NewWidth);
            _horizontal.Launch(HorizontalGeometry(tables), stream, h);
            if (!tables.Vertical) return;
            verticalSource = target;
            rowOffset = tables.FirstRow;
        }
        var v = new KernelArguments()
            .Add(verticalSource).Add(tables.NewWidth).Add(rowOffset)
            .Add(workspace, 4L * tables.RowFirstAt).Add(workspace, 4L * tables.RowCountAt)
            .Add(workspace, 4L * tables.RowWeightsAt).Add(tables.RowKernelSize)
            .Add(output).Add(tables.NewHeight);
        _vertical.Launch(VerticalGeometry(tables), stream, v);
    }
}
