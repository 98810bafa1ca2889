namespace Detserve.Backends.Cuda.Ops;

/// <summary>The mask head's class gather + sigmoid (Kernels/mask_head_select.cu). Borrows the library.</summary>
public sealed class MaskHeadSelectOp(KernelLibrary library)
{
    private readonly CudaKernel _kernel = (library ?? throw new ArgumentNullException(nameof(library))).Get("mask_head_select.cu", "mask_head_select");
    private readonly CudaKernel _nhwcHalf = library.Get("mask_head_select.cu", "mask_head_select_nhwc_half");

    /// <summary>output [capacity, M, M] = sigmoid(maskLogits [capacity, numClasses, M, M][n, classes[n]]); class −1 gives zeros.</summary>
    public void Enqueue(DeviceBuffer maskLogits, DeviceBuffer classes, int capacity, int numClasses, int maskSize, DeviceBuffer output, CudaStream stream)
    {
        const string op = "MaskHeadSelect";
        DeviceShape.NotNegative(op, nameof(capacity), capacity);
        DeviceShape.Positive(op, nameof(numClasses), numClasses);
        DeviceShape.Positive(op, nameof(maskSize), maskSize);
        long plane = (long)maskSize * maskSize;
        DeviceShape.Holds(op, nameof(maskLogits), maskLogits, capacity * numClasses * plane, 4);
        DeviceShape.Holds(op, nameof(classes), classes, capacity, 4);
        DeviceShape.Holds(op, nameof(output), output, capacity * plane, 4);
        var args = new KernelArguments().Add(maskLogits).Add(classes).Add(capacity).Add(numClasses).Add(maskSize).Add(output);
        _kernel.Launch(LaunchGeometry.ForElements(capacity * plane), stream, args);
    }

    /// <summary>As <see cref="Enqueue"/> from NHWC float16 logits [capacity, M, M, numClasses] (the FP16 mask predictor's output).</summary>
    public void EnqueueNhwcHalf(DeviceBuffer maskLogits, DeviceBuffer classes, int capacity, int numClasses, int maskSize, DeviceBuffer output, CudaStream stream)
    {
        const string op = "MaskHeadSelectNhwcHalf";
        DeviceShape.NotNegative(op, nameof(capacity), capacity);
        DeviceShape.Positive(op, nameof(numClasses), numClasses);
        DeviceShape.Positive(op, nameof(maskSize), maskSize);
        long plane = (long)maskSize * maskSize;
        DeviceShape.Holds(op, nameof(maskLogits), maskLogits, capacity * numClasses * plane, 2);
        DeviceShape.Holds(op, nameof(classes), classes, capacity, 4);
        DeviceShape.Holds(op, nameof(output), output, capacity * plane, 4);
        var args = new KernelArguments().Add(maskLogits).Add(classes).Add(capacity).Add(numClasses).Add(maskSize).Add(output);
        _nhwcHalf.Launch(LaunchGeometry.ForElements(capacity * plane), stream, args);
    }
}
