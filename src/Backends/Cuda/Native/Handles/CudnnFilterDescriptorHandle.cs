namespace Detserve.Backends.Cuda.Native.Handles;

/// <summary>A cudnnFilterDescriptor_t; destroyed with cudnnDestroyFilterDescriptor.</summary>
internal sealed class CudnnFilterDescriptorHandle(nint raw, CudaContextHandle context) : ContextBoundHandle(raw, context)
{
    protected override bool Destroy(nint raw) => CuDnn.cudnnDestroyFilterDescriptor(raw) == CudnnStatus.CUDNN_STATUS_SUCCESS;
}
