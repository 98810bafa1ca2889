using Detserve.Backends.Cuda.Blas;
using Detserve.Graph;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// nn.ConvTranspose2d with kernel == stride and no padding (the mask head's 2x2/2 upsampling) on NHWC activations as one GEMM and a
/// copy: every input pixel (n, y, x) feeds exactly the kh x kw output pixels (y * kh + i, x * kw + j), so
/// out[(n, y, x), (i, j, o)] = relu?(sum_c in[(n, y, x), c] * W[c, o, i, j] + b[o]) is a Linear of kh * kw * O outputs (bias and ReLU in
/// the cuBLASLt epilogue), and ConvertLayoutOp.DepthToSpaceNhwcHalf moves its rows into place. cuDNN's backward-data kernel for this
/// layer ran at ~64 TFLOP/s on an H100 (1.3 ms at 800 ROIs); the GEMM runs at tensor-core speed. Owns the linear's descriptors.
/// </summary>
internal sealed class DeconvAsGemm(CublasLtLinear linear, int height, int width, ConvTranspose2dAttributes attributes) : IDisposable
{
    public CublasLtLinear Linear { get; } = linear;

    public int Height { get; } = height;

    public int Width { get; } = width;

    public ConvTranspose2dAttributes Attributes { get; } = attributes;

    /// <summary>Bytes of the GEMM's output, which the runner plans as a temporary of this node.</summary>
    public long TempBytes(int elementBytes) => (long)Linear.Rows * Linear.OutFeatures * elementBytes;

    /// <summary>True when <paramref name="a"/> runs as a GEMM: float16 NHWC activations (<paramref name="nhwcHalf"/>), kernel == stride, no padding.</summary>
    public static bool Applies(ConvTranspose2dAttributes a, bool nhwcHalf) =>
        nhwcHalf && a.KernelH == a.StrideH && a.KernelW == a.StrideW && a.PadH == 0 && a.PadW == 0;

    /// <summary>The Linear weight [(i, j, o), c] from PyTorch's [c, o, i, j], and the bias repeated per (i, j).</summary>
    public static (float[] Weight, float[]? Bias) GemmWeights(ConvTranspose2dAttributes a)
    {
        ArgumentNullException.ThrowIfNull(a);
        int c = a.InChannels, o = a.OutChannels, kh = a.KernelH, kw = a.KernelW;
        var w = new float[a.Weight.Length];
        for (int ci = 0; ci < c; ci++)
            for (int oi = 0; oi < o; oi++)
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++)
                        w[((((i * kw) + j) * o) + oi) * c + ci] = a.Weight[(((ci * o) + oi) * kh + i) * kw + j];
        float[]? b = null;
        if (a.Bias is not null)
        {
            b = new float[kh * kw * o];
            for (int k = 0; k < kh * kw; k++) a.Bias.CopyTo(b.AsSpan(k * o, o));
        }
        return (w, b);
    }

    public void Dispose() => Linear.Dispose();
}
