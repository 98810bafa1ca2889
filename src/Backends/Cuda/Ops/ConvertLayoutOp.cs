namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// float32 &lt;-&gt; float16 conversions with an optional NCHW &lt;-&gt; NHWC transpose (Kernels/convert_layout.cu): the seams between
/// the FP16 NHWC network and the float32 NCHW kernels around it. Borrows the library.
/// </summary>
public sealed class ConvertLayoutOp
{
    private readonly CudaKernel _toNhwcHalf, _toNchwFloat, _toHalf, _toFloat, _depthToSpace, _depthToSpace8;

    /// <summary>Loads the four kernels.</summary>
    public ConvertLayoutOp(KernelLibrary library)
    {
        ArgumentNullException.ThrowIfNull(library);
        _toNhwcHalf = library.Get("convert_layout.cu", "nchw_f32_to_nhwc_f16");
        _toNchwFloat = library.Get("convert_layout.cu", "nhwc_f16_to_nchw_f32");
        _toHalf = library.Get("convert_layout.cu", "f32_to_f16");
        _toFloat = library.Get("convert_layout.cu", "f16_to_f32");
        _depthToSpace = library.Get("convert_layout.cu", "depth_to_space_nhwc_half");
        _depthToSpace8 = library.Get("convert_layout.cu", "depth_to_space_nhwc_half_x8");
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

    /// <summary>
    /// output [batch, height * kh, width * kw, channels] float16 from input rows (n, y, x) x columns (i, j, c) float16, i.e.
    /// [batch * height * width, kh * kw * channels]: output[n, y * kh + i, x * kw + j, c] = input[(n, y, x), (i, j, c)].
    /// </summary>
    public void DepthToSpaceNhwcHalf(DeviceBuffer input, int batch, int height, int width, int kh, int kw, int channels, DeviceBuffer output, CudaStream stream)
    {
        const string op = "DepthToSpaceNhwcHalf";
        DeviceShape.NotNegative(op, nameof(batch), batch);
        DeviceShape.Positive(op, nameof(kh), kh);
        DeviceShape.Positive(op, nameof(kw), kw);
        DeviceShape.Positive(op, nameof(channels), channels);
        long total = (long)batch * height * width * kh * kw * channels;
        DeviceShape.Holds(op, nameof(input), input, total, 2);
        DeviceShape.Holds(op, nameof(output), output, total, 2);
        if (total == 0) return;
        bool wide = channels % 8 == 0;
        (wide ? _depthToSpace8 : _depthToSpace).Launch(LaunchGeometry.ForElements(wide ? total / 8 : total), stream,
            new KernelArguments().Add(input).Add(output).Add(height).Add(width).Add(kh).Add(kw).Add(channels).Add(total));
    }

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
