namespace Detserve.Backends.Cuda.Native.Handles;

/// <summary>A cublasLtMatrixLayout_t; destroyed with cublasLtMatrixLayoutDestroy.</summary>
internal sealed class CublasLtMatrixLayoutHandle(nint raw, CudaContextHandle context) : ContextBoundHandle(raw, context)
{
    protected override bool Destroy(nint raw) => CublasLt.cublasLtMatrixLayoutDestroy(raw) == CublasStatus.CUBLAS_STATUS_SUCCESS;
}
