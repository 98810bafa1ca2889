using System.Runtime.Intrinsics;
using Detserve.Backends.Cpu.Gemm;

namespace Detserve.Backends.Cpu;

/// <summary>
/// torch.nn.Linear (F.linear = addmm(bias, x, Wᵀ)) on row-major float32 with an optional fused ReLU. Rows are split
/// across threads; with few rows the output features are split instead.
/// </summary>
public sealed class Linear
{
    private readonly float[] _weight;
    private readonly float[] _bias;
    private GemmPackedB? _packedWeight; // Wᵀ packed for the managed GEMM, made on first use by a context that uses it

    /// <summary>Copies the weight [outFeatures, inFeatures] and the bias [outFeatures] (or empty).</summary>
    public Linear(int inFeatures, int outFeatures, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, bool relu)
    {
        ShapeException.ThrowIfNotPositive("Linear", nameof(inFeatures), inFeatures);
        ShapeException.ThrowIfNotPositive("Linear", nameof(outFeatures), outFeatures);
        ShapeException.ThrowIfLengthNot("Linear", nameof(weight), (long)inFeatures * outFeatures, weight.Length);
        if (!bias.IsEmpty) ShapeException.ThrowIfLengthNot("Linear", nameof(bias), outFeatures, bias.Length);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Relu = relu;
        _weight = weight.ToArray();
        _bias = bias.ToArray();
    }

    /// <summary>Input features per row.</summary>
    public int InFeatures { get; }

    /// <summary>Output features per row.</summary>
    public int OutFeatures { get; }

    /// <summary>True when ReLU follows the affine map.</summary>
    public bool Relu { get; }

    /// <summary>output[rows, out] = relu?(input[rows, in] · Wᵀ + bias).</summary>
    public void Forward(CpuContext ctx, ReadOnlySpan<float> input, int rows, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ShapeException.ThrowIfNegative("Linear", nameof(rows), rows);
        ShapeException.ThrowIfLengthNot("Linear", nameof(input), (long)rows * InFeatures, input.Length);
        ShapeException.ThrowIfLengthNot("Linear", nameof(output), (long)rows * OutFeatures, output.Length);
        if (rows == 0) return;
        unsafe
        {
            fixed (float* pIn = input)
            fixed (float* pOut = output)
            {
                float* inPtr = pIn, outPtr = pOut;
                int threads = ctx.TileThreads;
                int rowBlock = threads == 1 ? rows : Math.Max(16, (rows + threads - 1) / threads);
                int rowBlocks = (rows + rowBlock - 1) / rowBlock;
                int colBlocks = rowBlocks >= threads ? 1 : Math.Clamp(threads / rowBlocks, 1, Math.Max(1, OutFeatures / 64));
                // Wᵀ packed once (the per-call transposing gather cost ~10 % of fc1 on the managed kernel, bench/kernels --gemm).
                GemmPackedB? packed = ctx.UsesOpenBlas
                    ? null
                    : LazyInitializer.EnsureInitialized(ref _packedWeight, () => new GemmPackedB(_weight, InFeatures, OutFeatures, InFeatures, true, Vector512.IsHardwareAccelerated));
                int colAlign = packed?.Nr ?? 1;
                int colBlock = ((OutFeatures + colBlocks - 1) / colBlocks + colAlign - 1) / colAlign * colAlign;
                colBlocks = (OutFeatures + colBlock - 1) / colBlock;
                ctx.ParallelFor(rowBlocks * colBlocks, threads, t =>
                {
                    int r0 = (t / colBlocks) * rowBlock, c0 = (t % colBlocks) * colBlock;
                    int r = Math.Min(rowBlock, rows - r0), cn = Math.Min(colBlock, OutFeatures - c0);
                    var a = new ReadOnlySpan<float>(inPtr + ((long)r0 * InFeatures), r * InFeatures);
                    var w = new ReadOnlySpan<float>(_weight, c0 * InFeatures, cn * InFeatures);
                    var c = new Span<float>(outPtr + ((long)r0 * OutFeatures) + c0, ((r - 1) * OutFeatures) + cn);
                    if (packed != null) Sgemm.Multiply(ctx, a, InFeatures, r, packed, c0, cn, c, OutFeatures);
                    else Sgemm.Multiply(ctx, false, true, r, cn, InFeatures, a, InFeatures, w, InFeatures, c, OutFeatures);
                    ReadOnlySpan<float> bias = _bias.Length == 0 ? default : _bias.AsSpan(c0, cn);
                    for (int i = 0; i < r; i++) Epilogue.ApplyRow(c.Slice(i * OutFeatures, cn), bias, Relu);
                });
            }
        }
    }
}
