namespace Detserve.Backends.Cuda.Blas;

/// <summary>Arithmetic of a cuBLASLt product.</summary>
public enum GemmPrecision
{
    /// <summary>float32 data, float32 compute (CUBLAS_COMPUTE_32F): what PyTorch does for matmul by default (allow_tf32 False).</summary>
    Fp32,

    /// <summary>float32 data, TF32 tensor cores (CUBLAS_COMPUTE_32F_FAST_TF32).</summary>
    Tf32,

    /// <summary>float16 data, float32 accumulation and scale (CUBLAS_COMPUTE_32F with CUDA_R_16F matrices).</summary>
    Fp16,
}
