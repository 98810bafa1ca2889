using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Native.Handles;

namespace Detserve.Backends.Cuda.Dnn;

/// <summary>A cuDNN handle on one device (owns it). Not thread-safe: one per worker thread.</summary>
public sealed class CudnnContext : IDisposable
{
    private CudnnContext(CudnnHandle handle, CudaDevice device, long version)
    {
        Handle = handle;
        Device = device;
        Version = version;
    }

    internal CudnnHandle Handle { get; }

    /// <summary>The device (borrowed).</summary>
    public CudaDevice Device { get; }

    /// <summary>cudnnGetVersion, e.g. 91300 for 9.13.0.</summary>
    public long Version { get; }

    /// <summary>Creates a handle on <paramref name="device"/>.</summary>
    public static CudnnContext Create(CudaDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        device.MakeCurrent();
        long version = (long)CuDnn.cudnnGetVersion();
        NativeStatus.Check(CuDnn.cudnnCreate(out nint raw), "cudnnCreate", device.Name);
        return new CudnnContext(new CudnnHandle(raw, device.Context), device, version);
    }

    /// <summary>Points later calls at <paramref name="stream"/> (cudnnSetStream).</summary>
    internal nint Bind(CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        nint h = Handle.Raw;
        NativeStatus.Check(CuDnn.cudnnSetStream(h, stream.Raw), "cudnnSetStream");
        return h;
    }

    /// <summary>Destroys the handle.</summary>
    public void Dispose() => Handle.Dispose();
}
