using System.Runtime.InteropServices;

namespace Detserve.Backends.Cuda.Native.Handles;

/// <summary>
/// A retained primary context of one device (cuDevicePrimaryCtxRetain); released with
/// cuDevicePrimaryCtxRelease. Sharing the primary context keeps us interoperable with cuDNN and
/// cuBLASLt, which run on the runtime API and therefore on the same context.
/// </summary>
internal sealed class CudaContextHandle : SafeHandle
{
    public CudaContextHandle(nint context, int device)
        : base(0, ownsHandle: true)
    {
        SetHandle(context);
        Device = device;
    }

    /// <summary>The CUdevice this context belongs to.</summary>
    public int Device { get; }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle() =>
        CudaDriver.cuDevicePrimaryCtxRelease(Device) == CudaResult.CUDA_SUCCESS;
}
