using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Native.Handles;

namespace Detserve.Backends.Cuda.Dnn;

/// <summary>Creates and sets cuDNN descriptors, each owned by the returned SafeHandle.</summary>
internal static class CudnnDescriptors
{
    public static int DataType(ConvPrecision precision) => precision == ConvPrecision.Fp16 ? CuDnn.CUDNN_DATA_HALF : CuDnn.CUDNN_DATA_FLOAT;

    public static int Format(TensorLayout layout) => layout == TensorLayout.Nhwc ? CuDnn.CUDNN_TENSOR_NHWC : CuDnn.CUDNN_TENSOR_NCHW;

    public static int MathType(ConvPrecision precision) => precision switch
    {
        ConvPrecision.Fp32 => CuDnn.CUDNN_FMA_MATH,
        ConvPrecision.Tf32 => CuDnn.CUDNN_DEFAULT_MATH,
        _ => CuDnn.CUDNN_TENSOR_OP_MATH,
    };

    public static CudnnTensorDescriptorHandle Tensor(CudaDevice device, TensorLayout layout, int dataType, int n, int c, int h, int w, string what)
    {
        NativeStatus.Check(CuDnn.cudnnCreateTensorDescriptor(out nint raw), "cudnnCreateTensorDescriptor", what);
        var handle = new CudnnTensorDescriptorHandle(raw, device.Context);
        NativeStatus.Check(CuDnn.cudnnSetTensor4dDescriptor(raw, Format(layout), dataType, n, c, h, w), "cudnnSetTensor4dDescriptor",
            $"{what} [{n}, {c}, {h}, {w}] {layout}");
        return handle;
    }

    public static CudnnFilterDescriptorHandle Filter(CudaDevice device, TensorLayout layout, int dataType, int k, int c, int h, int w, string what)
    {
        NativeStatus.Check(CuDnn.cudnnCreateFilterDescriptor(out nint raw), "cudnnCreateFilterDescriptor", what);
        var handle = new CudnnFilterDescriptorHandle(raw, device.Context);
        NativeStatus.Check(CuDnn.cudnnSetFilter4dDescriptor(raw, dataType, Format(layout), k, c, h, w), "cudnnSetFilter4dDescriptor",
            $"{what} [{k}, {c}, {h}, {w}] {layout}");
        return handle;
    }

    public static CudnnConvolutionDescriptorHandle Convolution(CudaDevice device, int padH, int padW, int strideH, int strideW,
        int dilationH, int dilationW, int groups, ConvPrecision precision, string what)
    {
        NativeStatus.Check(CuDnn.cudnnCreateConvolutionDescriptor(out nint raw), "cudnnCreateConvolutionDescriptor", what);
        var handle = new CudnnConvolutionDescriptorHandle(raw, device.Context);
        // Accumulate in float32 for every precision (PyTorch's half convolutions do the same).
        NativeStatus.Check(CuDnn.cudnnSetConvolution2dDescriptor(raw, padH, padW, strideH, strideW, dilationH, dilationW,
            CuDnn.CUDNN_CROSS_CORRELATION, CuDnn.CUDNN_DATA_FLOAT), "cudnnSetConvolution2dDescriptor", what);
        NativeStatus.Check(CuDnn.cudnnSetConvolutionGroupCount(raw, groups), "cudnnSetConvolutionGroupCount", what);
        NativeStatus.Check(CuDnn.cudnnSetConvolutionMathType(raw, MathType(precision)), "cudnnSetConvolutionMathType", what);
        return handle;
    }

    public static CudnnActivationDescriptorHandle Activation(CudaDevice device, bool relu, string what)
    {
        NativeStatus.Check(CuDnn.cudnnCreateActivationDescriptor(out nint raw), "cudnnCreateActivationDescriptor", what);
        var handle = new CudnnActivationDescriptorHandle(raw, device.Context);
        NativeStatus.Check(CuDnn.cudnnSetActivationDescriptor(raw, relu ? CuDnn.CUDNN_ACTIVATION_RELU : CuDnn.CUDNN_ACTIVATION_IDENTITY,
            CuDnn.CUDNN_PROPAGATE_NAN, 0.0), "cudnnSetActivationDescriptor", what);
        return handle;
    }
}
