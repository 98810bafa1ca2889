namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// float32 &lt;-&gt; float16 conversions with an optional NCHW &lt;-&gt; NHWC transpose (Kernels/convert_layout.cu): the seams between
/// the FP16 NHWC network and the float32 NCHW kernels around it. Borrows the library.
/// </summary>
public sealed class ConvertLayoutOp
{
    private readonly CudaKernel _toNhwcHalf, _toNchwFloat, _toHalf, _toFloat;

    /// <summary>Loads the four kernels.</summary>
    public ConvertLayoutOp(KernelLibrary library)
    {
        ArgumentNullException.ThrowIfNull(library);
        _toNhwcHalf = library.Get("convert_layout.cu", "nchw_f32_to_nhwc_f16");
        _toNchwFloat = library.Get("convert_layout.cu", "nhwc_f16_to_nchw_f32");
        _toHalf = library.Get("convert_layout.cu", "f32_to_f16");
        _toFloat = library.Get("convert_layout.cu", "f16_to_f32");
    }

    /// <summary>output [batch, plane, channels] float16 = input [batch, channels, plane] float32 rounded to nearest even.</summary>
    public void NchwFloatToNhwcHalf(DeviceBuffer input, int batch, int channels, long plane, DeviceBuffer output, CudaStream stream) =>
        Transpose(_toNhwcHalf, "NchwFloatToNhwcHalf", input, 4, output, 2, batch, channels, plane, stream);

    /// <summary>output [batch, channels, plane] float32 = input [batch, plane, channels] float16.</summary>
    public void NhwcHalfToNchwFloat(DeviceBuffer input, int batch, int channels, long plane, DeviceBuffer output, CudaStream stream) =>
        Transpose(_toNchwFloat, "NhwcHalfToNchwFloat", input, 2, output, 4, batch, channels, plane, stream);

    /// <summary>output[i] = (half)input[i] for <paramref name="count"/> elements.</summary>
    public void FloatToHalf(DeviceBuffer input, long count, DeviceBuffer output, CudaStream stream) =>
        Flat(_toHalf, "FloatToHalf", input, 4, output, 2, count, stream);

    /// <summary>output[i] = (float)input[i] for <paramref name="count"/> elements.</summary>
    public void HalfToFloat(DeviceBuffer input, long count, DeviceBuffer output, CudaStream stream) =>
        Flat(_toFloat, "HalfToFloat", input, 2, output, 4, count, stream);

    private static void Transpose(CudaKernel kernel, string op, DeviceBuffer input, int inBytes, DeviceBuffer output, int outBytes,
        int batch, int channels, long plane, CudaStream stream)
    {
        DeviceShape.NotNegative(op, nameof(batch), batch);
        DeviceShape.Positive(op, nameof(channels), channels);
        DeviceShape.NotNegative(op, nameof(plane), plane);
        long total = (long)batch * channels * plane;
        DeviceShape.Holds(op, nameof(input), input, total, inBytes);
        DeviceShape.Holds(op, nameof(output), output, total, outBytes);
        if (total == 0) return;
        kernel.Launch(LaunchGeometry.ForElements(total), stream, new KernelArguments().Add(input).Add(output).Add(channels).Add(plane).Add(total));
    }

    private static void Flat(CudaKernel kernel, string op, DeviceBuffer input, int inBytes, DeviceBuffer output, int outBytes, long count, CudaStream stream)
    {
        DeviceShape.NotNegative(op, nameof(count), count);
        DeviceShape.Holds(op, nameof(input), input, count, inBytes);
        DeviceShape.Holds(op, nameof(output), output, count, outBytes);
        if (count == 0) return;
        kernel.Launch(LaunchGeometry.ForElements(count), stream, new KernelArguments().Add(input).Add(output).Add(count));
    }
}
