using System.Runtime.InteropServices;

namespace Detserve.Backends.Cuda.Native.Handles;

/// <summary>An nvrtcProgram; destroyed with nvrtcDestroyProgram. Needs no CUDA context.</summary>
internal sealed class NvrtcProgramHandle : SafeHandle
{
    public NvrtcProgramHandle(nint raw)
        : base(0, ownsHandle: true) => SetHandle(raw);

    public override bool IsInvalid => handle == 0;

    public nint Raw
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return handle;
        }
    }

    protected override bool ReleaseHandle()
    {
        nint program = handle;
        return Nvrtc.nvrtcDestroyProgram(ref program) == NvrtcResult.NVRTC_SUCCESS;
    }
}
