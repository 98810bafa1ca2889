namespace Detserve.Backends.Cuda.Native.Handles;

/// <summary>A CUevent; destroyed with cuEventDestroy.</summary>
internal sealed class CudaEventHandle(nint raw, CudaContextHandle context) : ContextBoundHandle(raw, context)
{
    protected override bool Destroy(nint raw) => CudaDriver.cuEventDestroy(raw) == CudaResult.CUDA_SUCCESS;
}
