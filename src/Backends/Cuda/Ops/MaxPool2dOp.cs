using Detserve.Backends.Cpu;

namespace Detserve.Backends.Cuda.Ops;

/// <summary>max_pool2d on NCHW float32 (Kernels/max_pool2d.cu); matches <see cref="MaxPool2d.Forward"/>. Borrows the library.</summary>
public sealed class MaxPool2dOp(KernelLibrary library)
{
    private readonly CudaKernel _kernel = (library ?? throw new ArgumentNullException(nameof(library))).Get("max_pool2d.cu", "max_pool2d_forward");

    /// <summary>output [batch, channels, Ho, Wo] from input [batch, channels, height, width].</summary>
    public void Enqueue(DeviceBuffer input, int batch, int channels, int height, int width,
        int kernel, int stride, int pad, DeviceBuffer output, CudaStream stream)
    {
        const string op = "MaxPool2d";
        DeviceShape.NotNegative(op, nameof(batch), batch);
        DeviceShape.NotNegative(op, nameof(channels), channels);
        (int outH, int outW) = MaxPool2d.OutputSize(height, width, kernel, stride, pad);
        long planes = (long)batch * channels;
        DeviceShape.Holds(op, nameof(input), input, planes * height * width, 4);
        DeviceShape.Holds(op, nameof(output), output, planes * outH * outW, 4);
        // grid.y is at most 65535: larger batches go in slices of planes.
        for (long first = 0; first < planes; first += LaunchGeometry.MaxGridYZ)
        {
            int slice = (int)Math.Min(LaunchGeometry.MaxGridYZ, planes - first);
            var args = new KernelArguments()
                .Add(input, first * height * width * 4).Add(height).Add(width)
                .Add(output, first * outH * outW * 4).Add(outH).Add(outW)
                .Add(kernel).Add(stride).Add(pad);
            _kernel.Launch(LaunchGeometry.ForRows((long)outH * outW, slice), stream, args);
        }
    }
}
