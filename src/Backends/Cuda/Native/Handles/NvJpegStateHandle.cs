namespace Detserve.Backends.Cuda.Native.Handles;

/// <summary>An nvjpegJpegState_t; destroyed with nvjpegJpegStateDestroy.</summary>
internal sealed class NvJpegStateHandle(nint raw, CudaContextHandle context) : ContextBoundHandle(raw, context)
{
    protected override bool Destroy(nint raw) => NvJpeg.nvjpegJpegStateDestroy(raw) == NvJpegStatus.NVJPEG_STATUS_SUCCESS;
}
