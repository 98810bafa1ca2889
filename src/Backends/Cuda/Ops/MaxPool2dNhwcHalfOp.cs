using Detserve.Backends.Cpu;

namespace Detserve.Backends.Cuda.Ops;

/// <summary>max_pool2d on NHWC float16 (Kernels/nhwc_half.cu); matches <see cref="MaxPool2d.Forward"/> on the half values. Borrows the library.</summary>
public sealed class MaxPool2dNhwcHalfOp(KernelLibrary library)
{
    private readonly CudaKernel _kernel = (library ?? throw new ArgumentNullException(nameof(library))).Get("nhwc_half.cu", "max_pool2d_nhwc_f16");
    private readonly CudaKernel _kernel8 = library.Get("nhwc_half.cu", "max_pool2d_nhwc_f16_x8");

    /// <summary>output [batch, Ho, Wo, channels] from input [batch, height, width, channels].</summary>
    public void Enqueue(DeviceBuffer input, int batch, int channels, int height, int width, int kernel, int stride, int pad, DeviceBuffer output, CudaStream stream)
    {
        const string op = "MaxPool2dNhwcHalf";
        DeviceShape.NotNegative(op, nameof(batch), batch);
        DeviceShape.Positive(op, nameof(channels), channels);
        (int outH, int outW) = MaxPool2d.OutputSize(height, width, kernel, stride, pad);
        DeviceShape.Holds(op, nameof(input), input, (long)batch * height * width * channels, 2);
        long total = (long)batch * outH * outW * channels;
        DeviceShape.Holds(op, nameof(output), output, total, 2);
        if (total == 0) return;
        var args = new KernelArguments().Add(input).Add(height).Add(width).Add(channels).Add(output).Add(outH).Add(outW)
            .Add(kernel).Add(stride).Add(pad).Add(total);
        // Eight channels per thread (16-byte loads) when the channel count allows it.
        bool wide = channels % 8 == 0;
        (wide ? _kernel8 : _kernel).Launch(LaunchGeometry.ForElements(wide ? total / 8 : total), stream, args);
    }
}
