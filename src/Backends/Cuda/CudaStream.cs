using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Native.Handles;

namespace Detserve.Backends.Cuda;

/// <summary>A CUDA stream (owns its CUstream). Work on one stream runs in order; nothing here synchronises unless it says so.</summary>
public sealed class CudaStream : IDisposable
{
    internal CudaStream(CudaStreamHandle handle) => Handle = handle;

    internal CudaStreamHandle Handle { get; }

    internal nint Raw => Handle.Raw;

    /// <summary>Blocks until all work queued on this stream has finished (cuStreamSynchronize).</summary>
    public void Synchronize() => NativeStatus.Check(CudaDriver.cuStreamSynchronize(Raw), "cuStreamSynchronize");

    /// <summary>Makes later work on this stream wait for <paramref name="recorded"/> (cuStreamWaitEvent).</summary>
    public void Wait(CudaEvent recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        NativeStatus.Check(CudaDriver.cuStreamWaitEvent(Raw, recorded.Raw, 0), "cuStreamWaitEvent");
    }

    /// <summary>How often <see cref="Capture"/> tries when the driver reports the capture invalidated.</summary>
    public const int MaxCaptureAttempts = 3;

    /// <summary>
    /// One capture (with its warm-up run) at a time in the process. Captures run once per plan shape, so this costs nothing in steady
    /// state. Without it, two detectors on different threads (a server's instance group with count > 1, parallel test classes) broke
    /// each other's captures on an H100 (CUDA_ERROR_STREAM_CAPTURE_INVALIDATED from a kernel launch, cuDNN's CUDNN_STATUS_EXECUTION_FAILED)
    /// although every capture is thread-local: the first launch of a kernel loads its module (CUDA's lazy loading), which a capture
    /// in progress elsewhere does not tolerate. The warm-up run inside the lock makes those first launches outside any capture.
    /// </summary>
    private static readonly Lock CaptureLock = new();

    /// <summary>
    /// Captures everything <paramref name="body"/> enqueues on this stream into a CUDA graph and instantiates it
    /// (cuStreamBeginCapture / cuStreamEndCapture / cuGraphInstantiateWithFlags). Nothing runs during capture;
    /// replay with <see cref="CudaGraphExec.Launch"/>. The body must not synchronise or allocate, and must enqueue the same work
    /// each time it is called: with <paramref name="warmUp"/> it first runs once for real (and the stream is synchronised), so that
    /// every kernel's module is loaded before the capture; a capture that fails with a CUDA, cuDNN or cuBLAS error (another thread's
    /// work on the device can invalidate it) is discarded and taken again, up to <see cref="MaxCaptureAttempts"/> times, and the
    /// last attempt's error is thrown.
    /// </summary>
    public CudaGraphExec Capture(Action<CudaStream> body, string name, bool warmUp = true)
    {
        ArgumentNullException.ThrowIfNull(body);
        lock (CaptureLock)
        {
            if (warmUp)
            {
                body(this);
                Synchronize();
            }
            for (int attempt = 1; ; attempt++)
            {
                if (TryCapture(body, name, rethrow: attempt == MaxCaptureAttempts) is { } exec) return exec;
            }
        }
    }

    /// <summary>One capture; null when it failed with a CUDA-side error and <paramref name="rethrow"/> is false.</summary>
    private CudaGraphExec? TryCapture(Action<CudaStream> body, string name, bool rethrow)
    {
        NativeStatus.Check(CudaDriver.cuStreamBeginCapture(Raw, CudaDriver.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL), "cuStreamBeginCapture", name);
        try
        {
            body(this);
        }
        catch (CudaException) when (!rethrow)
        {
            EndFailedCapture();
            return null;
        }
        catch
        {
            EndFailedCapture();
            throw;
        }
        CudaResult end = CudaDriver.cuStreamEndCapture(Raw, out nint graph);
        if (end != CudaResult.CUDA_SUCCESS && !rethrow) return null;
        NativeStatus.Check(end, "cuStreamEndCapture", name);
        using var graphHandle = new CudaGraphHandle(graph, Handle.ContextHandle);
        NativeStatus.Check(CudaDriver.cuGraphInstantiateWithFlags(out nint exec, graphHandle.Raw, 0), "cuGraphInstantiateWithFlags", name);
        return new CudaGraphExec(new CudaGraphExecHandle(exec, Handle.ContextHandle), name);
    }

    /// <summary>Ends a capture whose body threw, so the stream is usable again.</summary>
    private void EndFailedCapture()
    {
        if (CudaDriver.cuStreamEndCapture(Raw, out nint partial) == CudaResult.CUDA_SUCCESS && partial != 0)
            CudaDriver.cuGraphDestroy(partial);
    }

    /// <summary>Destroys the stream.</summary>
    public void Dispose() => Handle.Dispose();
}
