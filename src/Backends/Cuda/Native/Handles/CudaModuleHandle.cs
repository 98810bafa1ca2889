namespace Detserve.Backends.Cuda.Native.Handles;

/// <summary>A loaded CUmodule; unloaded with cuModuleUnload (its CUfunctions die with it).</summary>
internal sealed class CudaModuleHandle(nint raw, CudaContextHandle context) : ContextBoundHandle(raw, context)
{
    protected override bool Destroy(nint raw) => CudaDriver.cuModuleUnload(raw) == CudaResult.CUDA_SUCCESS;
}
