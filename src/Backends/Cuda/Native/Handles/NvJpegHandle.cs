namespace Detserve.Backends.Cuda.Native.Handles;

/// <summary>An nvjpegHandle_t; destroyed with nvjpegDestroy.</summary>
internal sealed class NvJpegHandle(nint raw, CudaContextHandle context) : ContextBoundHandle(raw, context)
{
    protected override bool Destroy(nint raw) => NvJpeg.nvjpegDestroy(raw) == NvJpegStatus.NVJPEG_STATUS_SUCCESS;
}
