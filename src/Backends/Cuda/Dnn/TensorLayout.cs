namespace Detserve.Backends.Cuda.Dnn;

/// <summary>Memory order of a 4-D activation tensor (and of the matching filter: KCRS for NCHW, KRSC for NHWC).</summary>
public enum TensorLayout
{
    /// <summary>[N, C, H, W], PyTorch's default.</summary>
    Nchw,

    /// <summary>[N, H, W, C], what FP16 tensor-core kernels prefer.</summary>
    Nhwc,
}
