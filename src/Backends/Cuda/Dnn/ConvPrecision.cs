namespace Detserve.Backends.Cuda.Dnn;

/// <summary>Arithmetic of a cuDNN convolution.</summary>
public enum ConvPrecision
{
    /// <summary>float32 data, FMA math only (CUDNN_FMA_MATH): bit-for-bit comparable with a float32 reference up to summation order.</summary>
    Fp32,

    /// <summary>float32 data, TF32 tensor cores allowed (CUDNN_DEFAULT_MATH), as PyTorch's torch.backends.cudnn.allow_tf32 default.</summary>
    Tf32,

    /// <summary>float16 data and weights, float32 accumulation, tensor cores (CUDNN_TENSOR_OP_MATH).</summary>
    Fp16,
}
