namespace Detserve.Backends.Cuda.Native.Handles;

/// <summary>A captured CUgraph; destroyed with cuGraphDestroy.</summary>
internal sealed class CudaGraphHandle(nint raw, CudaContextHandle context) : ContextBoundHandle(raw, context)
{
    protected override bool Destroy(nint raw) => CudaDriver.cuGraphDestroy(raw) == CudaResult.CUDA_SUCCESS;
}
