namespace Detserve.Backends.Cuda.Native.Handles;

/// <summary>A device allocation (CUdeviceptr from cuMemAlloc); freed with cuMemFree.</summary>
internal sealed class DeviceMemoryHandle(nint raw, CudaContextHandle context) : ContextBoundHandle(raw, context)
{
    protected override bool Destroy(nint raw) => CudaDriver.cuMemFree((ulong)raw) == CudaResult.CUDA_SUCCESS;
}
