namespace Detserve.Backends.Cuda.Native.Handles;

/// <summary>A CUstream; destroyed with cuStreamDestroy.</summary>
internal sealed class CudaStreamHandle(nint raw, CudaContextHandle context) : ContextBoundHandle(raw, context)
{
    protected override bool Destroy(nint raw) => CudaDriver.cuStreamDestroy(raw) == CudaResult.CUDA_SUCCESS;
}
