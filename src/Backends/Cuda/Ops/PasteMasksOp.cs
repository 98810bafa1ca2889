using Detserve.Backends.Cpu;

namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// paste_masks_in_image at threshold (Kernels/paste_masks.cu); matches the CPU PasteMasks.PasteMask. <see cref="Enqueue"/> launches
/// over every pixel of every mask's image (version 1); <see cref="EnqueueRegions"/> zeroes the output and launches over each box's
/// region only (version 2, what the detector uses). Borrows the library.
/// </summary>
public sealed class PasteMasksOp(KernelLibrary library)
{
    /// <summary>Blocks per mask of the region kernel (each strides over its box's region).</summary>
    public const int RegionBlocksPerMask = 32;

    private readonly CudaKernel _kernel = (library ?? throw new ArgumentNullException(nameof(library))).Get("paste_masks.cu", "paste_masks");
    private readonly CudaKernel _region = library.Get("paste_masks.cu", "paste_masks_region");

    /// <summary>output [count, imageHeight, imageWidth] uint8 0/1 from masks [count, maskSize, maskSize] and boxes [count, 4].</summary>
    public void Enqueue(DeviceBuffer masks, int count, int maskSize, DeviceBuffer boxes, int imageHeight, int imageWidth,
        float threshold, DeviceBuffer output, CudaStream stream)
    {
        long plane = Check(masks, count, maskSize, boxes, imageHeight, imageWidth, output);
        for (long first = 0; first < count; first += LaunchGeometry.MaxGridYZ)
        {
            int slice = (int)Math.Min(LaunchGeometry.MaxGridYZ, count - first);
            _kernel.Launch(LaunchGeometry.ForRows(plane, slice), stream, Arguments(masks, maskSize, boxes, imageHeight, imageWidth, threshold, output, first, plane));
        }
    }

    /// <summary>As <see cref="Enqueue"/>, with the work proportional to the boxes' areas: the output is zeroed, then each box's region is pasted.</summary>
    public void EnqueueRegions(DeviceBuffer masks, int count, int maskSize, DeviceBuffer boxes, int imageHeight, int imageWidth,
        float threshold, DeviceBuffer output, CudaStream stream)
    {
        long plane = Check(masks, count, maskSize, boxes, imageHeight, imageWidth, output);
        if (count == 0 || plane == 0) return;
        output.Slice(0, count * plane).Fill(0, stream);
        for (long first = 0; first < count; first += LaunchGeometry.MaxGridYZ)
        {
            int slice = (int)Math.Min(LaunchGeometry.MaxGridYZ, count - first);
            var geometry = new LaunchGeometry(RegionBlocksPerMask, slice, 1, 256, 1, 1);
            _region.Launch(geometry, stream, Arguments(masks, maskSize, boxes, imageHeight, imageWidth, threshold, output, first, plane));
        }
    }

    private static long Check(DeviceBuffer masks, int count, int maskSize, DeviceBuffer boxes, int imageHeight, int imageWidth, DeviceBuffer output)
    {
        const string op = "PasteMasks";
        DeviceShape.NotNegative(op, nameof(count), count);
        DeviceShape.Positive(op, nameof(maskSize), maskSize);
        DeviceShape.NotNegative(op, nameof(imageHeight), imageHeight);
        DeviceShape.NotNegative(op, nameof(imageWidth), imageWidth);
        DeviceShape.Holds(op, nameof(masks), masks, (long)count * maskSize * maskSize, 4);
        DeviceShape.Holds(op, nameof(boxes), boxes, count * 4L, 4);
        long plane = (long)imageHeight * imageWidth;
        DeviceShape.Holds(op, nameof(output), output, count * plane, 1);
        return plane;
    }

    private static KernelArguments Arguments(DeviceBuffer masks, int maskSize, DeviceBuffer boxes, int imageHeight, int imageWidth, float threshold,
        DeviceBuffer output, long first, long plane) =>
        new KernelArguments()
            .Add(masks, first * maskSize * maskSize * 4).Add(maskSize)
            .Add(boxes, first * 16).Add(imageHeight).Add(imageWidth).Add(threshold)
            .Add(output, first * plane);
}
