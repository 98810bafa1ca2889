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

    /// <summary>
    /// Captures everything <paramref name="body"/> enqueues on this stream into a CUDA graph and instantiates it
    /// (cuStreamBeginCapture / cuStreamEndCapture / cuGraphInstantiateWithFlags). Nothing runs during capture;
    /// replay with <see cref="CudaGraphExec.Launch"/>. The body must not synchronise or allocate.
    /// </summary>
    public CudaGraphExec Capture(Action<CudaStream> body, string name)
    {
        ArgumentNullException.ThrowIfNull(body);
        NativeStatus.Check(CudaDriver.cuStreamBeginCapture(Raw, CudaDriver.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL), "cuStreamBeginCapture", name);
        try
        {
            body(this);
        }
        catch
        {
            // End the capture so the stream is usable again; the body's exception is the one that matters.
            if (CudaDriver.cuStreamEndCapture(Raw, out nint partial) == CudaResult.CUDA_SUCCESS && partial != 0)
                CudaDriver.cuGraphDestroy(partial);
            throw;
        }
        NativeStatus.Check(CudaDriver.cuStreamEndCapture(Raw, out nint graph), "cuStreamEndCapture", name);
        using var graphHandle = new CudaGraphHandle(graph, Handle.ContextHandle);
        NativeStatus.Check(CudaDriver.cuGraphInstantiateWithFlags(out nint exec, graphHandle.Raw, 0), "cuGraphInstantiateWithFlags", name);
        return new CudaGraphExec(new CudaGraphExecHandle(exec, Handle.ContextHandle), name);
    }

    /// <summary>Destroys the stream.</summary>
    public void Dispose() => Handle.Dispose();
}
