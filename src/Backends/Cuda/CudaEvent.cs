using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Native.Handles;

namespace Detserve.Backends.Cuda;

/// <summary>A CUDA event (owns its CUevent): GPU-side timestamps and cross-stream ordering.</summary>
public sealed class CudaEvent : IDisposable
{
    internal CudaEvent(CudaEventHandle handle) => Handle = handle;

    internal CudaEventHandle Handle { get; }

    internal nint Raw => Handle.Raw;

    /// <summary>Records the event at the current end of <paramref name="stream"/> (cuEventRecord).</summary>
    public void Record(CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        NativeStatus.Check(CudaDriver.cuEventRecord(Raw, stream.Raw), "cuEventRecord");
    }

    /// <summary>Blocks until the recorded work has finished (cuEventSynchronize).</summary>
    public void Synchronize() => NativeStatus.Check(CudaDriver.cuEventSynchronize(Raw), "cuEventSynchronize");

    /// <summary>GPU milliseconds from <paramref name="start"/> to <paramref name="end"/> (both recorded and complete), cuEventElapsedTime.</summary>
    public static float ElapsedMilliseconds(CudaEvent start, CudaEvent end)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(end);
        NativeStatus.Check(CudaDriver.cuEventElapsedTime(out float ms, start.Raw, end.Raw), "cuEventElapsedTime");
        return ms;
    }

    /// <summary>Destroys the event.</summary>
    public void Dispose() => Handle.Dispose();
}
