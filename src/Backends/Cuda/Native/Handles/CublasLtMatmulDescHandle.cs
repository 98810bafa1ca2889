namespace Detserve.Backends.Cuda.Native.Handles;

/// <summary>A cublasLtMatmulDesc_t; destroyed with cublasLtMatmulDescDestroy.</summary>
internal sealed class CublasLtMatmulDescHandle(nint raw, CudaContextHandle context) : ContextBoundHandle(raw, context)
{
    protected override bool Destroy(nint raw) => CublasLt.cublasLtMatmulDescDestroy(raw) == CublasStatus.CUBLAS_STATUS_SUCCESS;
}
