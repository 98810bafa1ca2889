using Detserve.Backends.Cpu;

namespace Detserve.Backends.Cuda.Ops;

/// <summary>FPN top-down lateral + nearest 2x upsample (Kernels/upsample_nearest_add.cu); matches <see cref="UpsampleNearest.Forward2xAdd"/>.</summary>
public sealed class UpsampleNearestAddOp(KernelLibrary library)
{
    private readonly CudaKernel _kernel = (library ?? throw new ArgumentNullException(nameof(library))).Get("upsample_nearest_add.cu", "upsample_nearest2x_add");

    /// <summary>output [batch, channels, 2h, 2w] = lateral + upsample(top [batch, channels, h, w]); output may be lateral.</summary>
    public void Enqueue(DeviceBuffer top, DeviceBuffer lateral, int batch, int channels, int h, int w, DeviceBuffer output, CudaStream stream)
    {
        const string op = "UpsampleNearest";
        DeviceShape.NotNegative(op, nameof(batch), batch);
        DeviceShape.NotNegative(op, nameof(channels), channels);
        DeviceShape.Positive(op, nameof(h), h);
        DeviceShape.Positive(op, nameof(w), w);
        long planes = (long)batch * channels;
        DeviceShape.Holds(op, nameof(top), top, planes * h * w, 4);
        DeviceShape.Holds(op, nameof(lateral), lateral, planes * 4 * h * w, 4);
        DeviceShape.Holds(op, nameof(output), output, planes * 4 * h * w, 4);
        for (long first = 0; first < planes; first += LaunchGeometry.MaxGridYZ)
        {
            int slice = (int)Math.Min(LaunchGeometry.MaxGridYZ, planes - first);
            var args = new KernelArguments()
                .Add(top, first * h * w * 4).Add(h).Add(w)
                .Add(lateral, first * 4 * h * w * 4).Add(output, first * 4 * h * w * 4);
            _kernel.Launch(LaunchGeometry.ForRows(4L * h * w, slice), stream, args);
        }
    }
}
