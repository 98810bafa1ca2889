namespace Detserve.Backends.Cuda.Native.Handles;

/// <summary>A cudnnActivationDescriptor_t; destroyed with cudnnDestroyActivationDescriptor.</summary>
internal sealed class CudnnActivationDescriptorHandle(nint raw, CudaContextHandle context) : ContextBoundHandle(raw, context)
{
    protected override bool Destroy(nint raw) => CuDnn.cudnnDestroyActivationDescriptor(raw) == CudnnStatus.CUDNN_STATUS_SUCCESS;
}
