namespace Detserve.Backends.Cpu.Gemm;

/// <summary>
/// A constant left operand A [m, k] (a layer's weights) packed once into the managed GEMM's panel layout, so calls
/// that reuse it skip <see cref="ManagedSgemm"/>'s per-call packing. Per k-block of <see cref="ManagedSgemm.Kc"/>
/// columns starting at pc (all blocks full but the last), block pc holds RoundUp(m, Mr) x kc floats from offset
/// pc · RoundUp(m, Mr); inside it the Mr-row panel starting at row r lies at offset r · kc, k-major (kc x Mr), zero
/// past row m. This is the layout GotoBLAS's packed A has (Goto and van de Geijn, "Anatomy of High-Performance Matrix
/// Multiplication", 2008), kept whole so any Mr-aligned row range is addressable.
/// </summary>
internal sealed class GemmPackedA
{
    private readonly float[] _data;

    /// <summary>Packs op(A): A is m x k row-major with row stride <paramref name="lda"/> (k x m when <paramref name="transpose"/>).</summary>
    internal unsafe GemmPackedA(ReadOnlySpan<float> a, int m, int k, int lda, bool transpose)
    {
        ShapeException.ThrowIfNotPositive("GemmPackedA", nameof(m), m);
        ShapeException.ThrowIfNotPositive("GemmPackedA", nameof(k), k);
        long needed = transpose ? ((long)(k - 1) * lda) + m : ((long)(m - 1) * lda) + k;
        if (a.Length < needed)
            throw new ShapeException("GemmPackedA", nameof(a), $"a {(transpose ? k : m)} x {(transpose ? m : k)} matrix with row stride {lda} (length >= {needed})", $"length {a.Length}");
        Rows = m;
        Depth = k;
        PaddedRows = (m + ManagedSgemm.Mr - 1) / ManagedSgemm.Mr * ManagedSgemm.Mr;
        _data = GC.AllocateUninitializedArray<float>(checked(PaddedRows * k), pinned: true);
        fixed (float* src = a)
        fixed (float* dst = _data)
        {
            for (int pc = 0; pc < k; pc += ManagedSgemm.Kc)
            {
                int kc = Math.Min(ManagedSgemm.Kc, k - pc);
                ManagedSgemm.PackA(transpose, src, lda, 0, pc, m, kc, dst + ((long)pc * PaddedRows));
            }
        }
    }

    /// <summary>Rows of A (m).</summary>
    internal int Rows { get; }

    /// <summary>Columns of A (k), the GEMM's inner dimension.</summary>
    internal int Depth { get; }

    /// <summary>m rounded up to the micro-kernel height <see cref="ManagedSgemm.Mr"/>.</summary>
    internal int PaddedRows { get; }

    /// <summary>The packed panels; allocated on the pinned heap, so pointers taken from it stay valid.</summary>
    internal float[] Data => _data;
}
