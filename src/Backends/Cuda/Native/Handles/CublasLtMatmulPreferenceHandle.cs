namespace Detserve.Backends.Cuda.Native.Handles;

/// <summary>A cublasLtMatmulPreference_t; destroyed with cublasLtMatmulPreferenceDestroy.</summary>
internal sealed class CublasLtMatmulPreferenceHandle(nint raw, CudaContextHandle context) : ContextBoundHandle(raw, context)
{
    protected override bool Destroy(nint raw) => CublasLt.cublasLtMatmulPreferenceDestroy(raw) == CublasStatus.CUBLAS_STATUS_SUCCESS;
}
