namespace Detserve.Runtime.Cuda;

/// <summary>How the CUDA detector computes.</summary>
internal enum GpuPrecision
{
    /// <summary>FP32 storage and arithmetic everywhere (cuDNN without TF32): the parity mode of the tests.</summary>
    Fp32Strict,

    /// <summary>"fp32": FP32 storage, TF32 convolutions (PyTorch's torch.backends.cudnn.allow_tf32 defaults to True), full FP32 GEMMs
    /// (torch.backends.cuda.matmul.allow_tf32 defaults to False).</summary>
    Fp32,

    /// <summary>"fp16": FP16 storage, NHWC convolutions and GEMMs on tensor cores with FP32 accumulation; post-processing in FP32.</summary>
    Fp16,
}
