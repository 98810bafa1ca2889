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
    /// One capture at a time in the process. Captures run once per plan shape, so this costs nothing in steady state; it keeps two
    /// detectors on different threads (a server's instance group with count > 1, parallel test classes) from capturing at once, which
    /// on an H100 invalidated one of the captures (CUDA_ERROR_STREAM_CAPTURE_INVALIDATED from a kernel launch, or cuDNN's
    /// CUDNN_STATUS_EXECUTION_FAILED) although every capture is thread-local.
    /// </summary>
    private static readonly Lock CaptureLock = new();

    /// <summary>
    /// Captures everything <paramref name="body"/> enqueues on this stream into a CUDA graph and instantiates it
    /// (cuStreamBeginCapture / cuStreamEndCapture / cuGraphInstantiateWithFlags). Nothing runs during capture;
    /// replay with <see cref="CudaGraphExec.Launch"/>. The body must not synchronise or allocate, and must enqueue the same work
    /// each time it is called: a capture the driver reports invalidated (by another thread's work on the device) is discarded and
    /// taken again, up to <see cref="MaxCaptureAttempts"/> times.
    /// </summary>
    public CudaGraphExec Capture(Action<CudaStream> body, string name)
    {
        ArgumentNullException.ThrowIfNull(body);
        lock (CaptureLock)
        {
            for (int attempt = 1; ; attempt++)
            {
                if (TryCapture(body, name, rethrowInvalidated: attempt == MaxCaptureAttempts) is { } exec) return exec;
            }
        }
    }

    /// <summary>One capture; null when the driver reports it invalidated and <paramref name="rethrowInvalidated"/> is false.</summary>
    private CudaGraphExec? TryCapture(Action<CudaStream> body, string name, bool rethrowInvalidated)
    {
        NativeStatus.Check(CudaDriver.cuStreamBeginCapture(Raw, CudaDriver.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL), "cuStreamBeginCapture", name);
        try
        {
            body(this);
        }
        catch (Exception) when (EndFailedCapture() == CudaResult.CUDA_ERROR_STREAM_CAPTURE_INVALIDATED && !rethrowInvalidated)
        {
            // The capture was invalidated: the body's error (a launch refused, cuDNN's EXECUTION_FAILED) is its consequence. Retry.
            return null;
        }
        CudaResult end = CudaDriver.cuStreamEndCapture(Raw, out nint graph);
        if (end == CudaResult.CUDA_ERROR_STREAM_CAPTURE_INVALIDATED && !rethrowInvalidated) return null;
        NativeStatus.Check(end, "cuStreamEndCapture", name);
        using var graphHandle = new CudaGraphHandle(graph, Handle.ContextHandle);
        NativeStatus.Check(CudaDriver.cuGraphInstantiateWithFlags(out nint exec, graphHandle.Raw, 0), "cuGraphInstantiateWithFlags", name);
        return new CudaGraphExec(new CudaGraphExecHandle(exec, Handle.ContextHandle), name);
    }

    /// <summary>
    /// Ends a capture whose body threw, so the stream is usable again (the body's exception is rethrown by the caller's filter unless
    /// the capture was invalidated); returns what cuStreamEndCapture said.
    /// </summary>
    private CudaResult EndFailedCapture()
    {
        CudaResult r = CudaDriver.cuStreamEndCapture(Raw, out nint partial);
        if (r == CudaResult.CUDA_SUCCESS && partial != 0) CudaDriver.cuGraphDestroy(partial);
        return r;
    }

    /// <summary>Destroys the stream.</summary>
    public void Dispose() => Handle.Dispose();
}
