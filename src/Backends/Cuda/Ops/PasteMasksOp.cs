using Detserve.Backends.Cpu;

namespace Detserve.Backends.Cuda.Ops;

/// <summary>paste_masks_in_image at threshold (Kernels/paste_masks.cu); matches the CPU PasteMasks.PasteMask.</summary>
public sealed class PasteMasksOp(KernelLibrary library)
{
    private readonly CudaKernel _kernel = (library ?? throw new ArgumentNullException(nameof(library))).Get("paste_masks.cu", "paste_masks");

    /// <summary>output [count, imageHeight, imageWidth] uint8 0/1 from masks [count, maskSize, maskSize] and boxes [count, 4].</summary>
    public void Enqueue(DeviceBuffer masks, int count, int maskSize, DeviceBuffer boxes, int imageHeight, int imageWidth,
        float threshold, DeviceBuffer output, CudaStream stream)
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
        for (long first = 0; first < count; first += LaunchGeometry.MaxGridYZ)
        {
            int slice = (int)Math.Min(LaunchGeometry.MaxGridYZ, count - first);
            var args = new KernelArguments()
                .Add(masks, first * maskSize * maskSize * 4).Add(maskSize)
                .Add(boxes, first * 16).Add(imageHeight).Add(imageWidth).Add(threshold)
                .Add(output, first * plane);
            _kernel.Launch(LaunchGeometry.ForRows(plane, slice), stream, args);
        }
    }
}
