namespace Detserve.Backends.Cuda.Native.Handles;

/// <summary>A cudnnTensorDescriptor_t; destroyed with cudnnDestroyTensorDescriptor.</summary>
internal sealed class CudnnTensorDescriptorHandle(nint raw, CudaContextHandle context) : ContextBoundHandle(raw, context)
{
    protected override bool Destroy(nint raw) => CuDnn.cudnnDestroyTensorDescriptor(raw) == CudnnStatus.CUDNN_STATUS_SUCCESS;
}
