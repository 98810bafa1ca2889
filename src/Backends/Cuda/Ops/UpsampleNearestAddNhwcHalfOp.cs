using Detserve.Backends.Cpu;

namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// FPN's lateral + nearest 2x upsample on NHWC float16 (Kernels/nhwc_half.cu); matches <see cref="UpsampleNearest.Forward2xAdd"/> on the
/// half values with the sum rounded to half. Borrows the library.
/// </summary>
public sealed class UpsampleNearestAddNhwcHalfOp(KernelLibrary library)
{
    private readonly CudaKernel _kernel = (library ?? throw new ArgumentNullException(nameof(library))).Get("nhwc_half.cu", "upsample_nearest2x_add_nhwc_f16");
    private readonly CudaKernel _kernel8 = library.Get("nhwc_half.cu", "upsample_nearest2x_add_nhwc_f16_x8");

    /// <summary>output [batch, 2h, 2w, channels] = lateral + upsample(top [batch, h, w, channels]); output may be lateral.</summary>
    public void Enqueue(DeviceBuffer top, DeviceBuffer lateral, int batch, int channels, int h, int w, DeviceBuffer output, CudaStream stream)
    {
        const string op = "UpsampleNearestAddNhwcHalf";
        DeviceShape.NotNegative(op, nameof(batch), batch);
        DeviceShape.Positive(op, nameof(channels), channels);
        long total = 4L * batch * h * w * channels;
        DeviceShape.Holds(op, nameof(top), top, (long)batch * h * w * channels, 2);
        DeviceShape.Holds(op, nameof(lateral), lateral, total, 2);
        DeviceShape.Holds(op, nameof(output), output, total, 2);
        if (total == 0) return;
        var args = new KernelArguments().Add(top).Add(h).Add(w).Add(channels).Add(lateral).Add(output).Add(total);
        // Eight channels per thread (16-byte loads) when the channel count allows it.
        bool wide = channels % 8 == 0;
        (wide ? _kernel8 : _kernel).Launch(LaunchGeometry.ForElements(wide ? total / 8 : total), stream, args);
    }
}
