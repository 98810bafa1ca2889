using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Native.Handles;

namespace Detserve.Backends.Cuda.Blas;

/// <summary>A cuBLASLt handle on one device (owns it).</summary>
public sealed class CublasLtContext : IDisposable
{
    private CublasLtContext(CublasLtHandle handle, CudaDevice device, long version)
    {
        Handle = handle;
        Device = device;
        Version = version;
    }

    internal CublasLtHandle Handle { get; }

    /// <summary>The device (borrowed).</summary>
    public CudaDevice Device { get; }

    /// <summary>cublasLtGetVersion.</summary>
    public long Version { get; }

    /// <summary>Creates a handle on <paramref name="device"/>.</summary>
    public static CublasLtContext Create(CudaDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        device.MakeCurrent();
        long version = (long)CublasLt.cublasLtGetVersion();
        NativeStatus.Check(CublasLt.cublasLtCreate(out nint raw), "cublasLtCreate", device.Name);
        return new CublasLtContext(new CublasLtHandle(raw, device.Context), device, version);
    }

    /// <summary>Destroys the handle.</summary>
    public void Dispose() => Handle.Dispose();
}
