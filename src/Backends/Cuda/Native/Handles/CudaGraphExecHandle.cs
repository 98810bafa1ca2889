namespace Detserve.Backends.Cuda.Native.Handles;

/// <summary>An instantiated CUgraphExec; destroyed with cuGraphExecDestroy.</summary>
internal sealed class CudaGraphExecHandle(nint raw, CudaContextHandle context) : ContextBoundHandle(raw, context)
{
    protected override bool Destroy(nint raw) => CudaDriver.cuGraphExecDestroy(raw) == CudaResult.CUDA_SUCCESS;
}
