namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// F.relu as a graph node of its own (Kernels/retinanet.cu): RetinaNet's LastLevelP6P7 computes p7 = conv(relu(p6)) while p6 also
/// feeds the head, so the compiler keeps the ReLU apart from the conv. float32 or float16 storage, any layout (elementwise).
/// Borrows the library.
/// </summary>
public sealed class RetinaNetReluOp(KernelLibrary library)
{
    private readonly CudaKernel _f32 = (library ?? throw new ArgumentNullException(nameof(library))).Get("retinanet.cu", "retina_relu_f32");
    private readonly CudaKernel _f16 = library.Get("retinanet.cu", "retina_relu_f16");

    /// <summary>output[i] = max(input[i], 0) (NaN kept) for <paramref name="count"/> elements of 2 (half) or 4 bytes; output may be the input.</summary>
    public void Enqueue(DeviceBuffer input, long count, bool half, DeviceBuffer output, CudaStream stream)
    {
        const string op = "Relu";
        DeviceShape.NotNegative(op, nameof(count), count);
        int bytes = half ? 2 : 4;
        DeviceShape.Holds(op, nameof(input), input, count, bytes);
        DeviceShape.Holds(op, nameof(output), output, count, bytes);
        if (count == 0) return;
        var args = new KernelArguments().Add(input).Add(count).Add(output);
        (half ? _f16 : _f32).Launch(LaunchGeometry.ForElements(count), stream, args);
    }
}
