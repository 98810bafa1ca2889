namespace Detserve.Backends.Cuda.Native.Handles;

/// <summary>A cudnnConvolutionDescriptor_t; destroyed with cudnnDestroyConvolutionDescriptor.</summary>
internal sealed class CudnnConvolutionDescriptorHandle(nint raw, CudaContextHandle context) : ContextBoundHandle(raw, context)
{
    protected override bool Destroy(nint raw) => CuDnn.cudnnDestroyConvolutionDescriptor(raw) == CudnnStatus.CUDNN_STATUS_SUCCESS;
}
