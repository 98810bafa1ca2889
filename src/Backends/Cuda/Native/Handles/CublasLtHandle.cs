namespace Detserve.Backends.Cuda.Native.Handles;

/// <summary>A cublasLtHandle_t; destroyed with cublasLtDestroy.</summary>
internal sealed class CublasLtHandle(nint raw, CudaContextHandle context) : ContextBoundHandle(raw, context)
{
    protected override bool Destroy(nint raw) => CublasLt.cublasLtDestroy(raw) == CublasStatus.CUBLAS_STATUS_SUCCESS;
}
