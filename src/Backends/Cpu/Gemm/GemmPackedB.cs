namespace Detserve.Backends.Cpu.Gemm;

/// <summary>
/// A constant right operand op(B) [k, n] (a linear layer's Wᵀ) packed once into the managed GEMM's panel layout: per
/// k-block of <see cref="ManagedSgemm.Kc"/> rows starting at pc, block pc holds kc x RoundUp(n, nr) floats from offset
/// pc · RoundUp(n, nr); inside it the nr-wide column panel starting at column j lies at offset j · kc, row-major
/// (kc x nr), zero past column n. nr is the micro-kernel width the packing was made for (32 on Vector512, else 16).
/// </summary>
internal sealed class GemmPackedB
{
    private readonly float[] _data;
    private readonly int _start;

    /// <summary>Packs op(B): B is k x n row-major with row stride <paramref name="ldb"/> (n x k when <paramref name="transpose"/>).</summary>
    internal unsafe GemmPackedB(ReadOnlySpan<float> b, int k, int n, int ldb, bool transpose, bool vector512)
    {
        ShapeException.ThrowIfNotPositive("GemmPackedB", nameof(k), k);
        ShapeException.ThrowIfNotPositive("GemmPackedB", nameof(n), n);
        long needed = transpose ? ((long)(n - 1) * ldb) + k : ((long)(k - 1) * ldb) + n;
        if (b.Length < needed)
            throw new ShapeException("GemmPackedB", nameof(b), $"a {(transpose ? n : k)} x {(transpose ? k : n)} matrix with row stride {ldb} (length >= {needed})", $"length {b.Length}");
        Depth = k;
        Columns = n;
        Nr = vector512 ? 32 : 16;
        PaddedColumns = (n + Nr - 1) / Nr * Nr;
        // 16 floats of slack so the panels can start on a 64-byte boundary: every 512-bit load of a B row then stays inside one
        // cache line, as with the per-call packing (a GC array's data is only 8-byte aligned). The array is pinned, so the
        // offset found here stays right.
        _data = GC.AllocateUninitializedArray<float>(checked((PaddedColumns * k) + 16), pinned: true);
        fixed (float* src = b)
        fixed (float* raw = _data)
        {
            _start = (int)(((64 - ((nint)raw & 63)) & 63) / sizeof(float));
            float* dst = raw + _start;
            for (int pc = 0; pc < k; pc += ManagedSgemm.Kc)
            {
                int kc = Math.Min(ManagedSgemm.Kc, k - pc);
                ManagedSgemm.PackB(transpose, src, ldb, pc, 0, kc, n, Nr, dst + ((long)pc * PaddedColumns));
            }
        }
    }

    /// <summary>Rows of op(B) (k), the GEMM's inner dimension.</summary>
    internal int Depth { get; }

    /// <summary>Columns of op(B) (n).</summary>
    internal int Columns { get; }

    /// <summary>Micro-kernel width the panels were packed for.</summary>
    internal int Nr { get; }

    /// <summary>n rounded up to <see cref="Nr"/>.</summary>
    internal int PaddedColumns { get; }

    /// <summary>The first packed float, 64-byte aligned; the array lives on the pinned heap, so the pointer stays valid.</summary>
    internal unsafe float* Pointer
    {
        get
        {
            fixed (float* raw = _data) return raw + _start;
        }
    }
}
