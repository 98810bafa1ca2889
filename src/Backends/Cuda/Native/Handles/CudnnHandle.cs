namespace Detserve.Backends.Cuda.Native.Handles;

/// <summary>A cudnnHandle_t; destroyed with cudnnDestroy.</summary>
internal sealed class CudnnHandle(nint raw, CudaContextHandle context) : ContextBoundHandle(raw, context)
{
    protected override bool Destroy(nint raw) => CuDnn.cudnnDestroy(raw) == CudnnStatus.CUDNN_STATUS_SUCCESS;
}
