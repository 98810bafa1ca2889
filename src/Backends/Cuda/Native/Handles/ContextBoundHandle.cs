using System.Runtime.InteropServices;

namespace Detserve.Backends.Cuda.Native.Handles;

/// <summary>
/// Base of every native object that lives in a CUDA context (streams, events, memory, modules, graphs,
/// library handles and descriptors). It holds a reference on the context so that the context is released
/// only after its last object, and makes the context current before destroying, because the finalizer or
/// another thread may be the one that releases.
/// </summary>
internal abstract class ContextBoundHandle : SafeHandle
{
    private readonly CudaContextHandle _context;

    protected ContextBoundHandle(nint raw, CudaContextHandle context)
        : base(0, ownsHandle: true)
    {
        ArgumentNullException.ThrowIfNull(context);
        bool added = false;
        context.DangerousAddRef(ref added);
        _context = context;
        SetHandle(raw);
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>The context this object lives in (for objects derived from it, e.g. a graph captured on a stream).</summary>
    public CudaContextHandle ContextHandle => _context;

    /// <summary>The raw handle for a native call; throws if this object was disposed.</summary>
    public nint Raw
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return handle;
        }
    }

    protected sealed override bool ReleaseHandle()
    {
        try
        {
            CudaDriver.cuCtxSetCurrent(_context.DangerousGetHandle());
            return Destroy(handle);
        }
        finally
        {
            _context.DangerousRelease();
        }
    }

    /// <summary>Calls the library's destroy function; true on success.</summary>
    protected abstract bool Destroy(nint raw);
}
