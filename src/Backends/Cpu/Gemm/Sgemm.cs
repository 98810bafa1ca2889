using Detserve.Backends.Cpu.Native;

namespace Detserve.Backends.Cpu.Gemm;

/// <summary>
/// Single-precision matrix multiply, row-major: C[m, n] = op(A)[m, k] · op(B)[k, n] (+ C when
/// <c>accumulate</c>). op(X) is X or its transpose. Runs on the calling thread: the ops parallelise around it (one
/// call per tile), which is why a <see cref="CpuContext"/> sets OpenBLAS to one thread.
/// </summary>
public static class Sgemm
{
    /// <summary>
    /// C = op(A) · op(B), or C += op(A) · op(B) when <paramref name="accumulate"/>. Leading dimensions are row strides
    /// in elements. A is m x k (k x m when <paramref name="transposeA"/>), B is k x n (n x k when <paramref name="transposeB"/>).
    /// </summary>
    public static unsafe void Multiply(
        CpuContext ctx, bool transposeA, bool transposeB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate = false)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        if (m < 0 || n < 0 || k < 0) throw new ShapeException("Sgemm", "m/n/k", "non-negative sizes", $"{m}/{n}/{k}");
        if (m == 0 || n == 0) return;
        int aRows = transposeA ? k : m, aCols = transposeA ? m : k;
        int bRows = transposeB ? n : k, bCols = transposeB ? k : n;
        CheckMatrix("a", a.Length, aRows, aCols, lda);
        CheckMatrix("b", b.Length, bRows, bCols, ldb);
        CheckMatrix("c", c.Length, m, n, ldc);
        if (k == 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            if (ctx.UsesOpenBlas)
            {
                OpenBlas.Sgemm(
                    OpenBlas.RowMajor, transposeA ? OpenBlas.Trans : OpenBlas.NoTrans, transposeB ? OpenBlas.Trans : OpenBlas.NoTrans,
                    m, n, k, 1f, pa, lda, pb, ldb, accumulate ? 1f : 0f, pc, ldc);
            }
            else
            {
                ManagedSgemm.Multiply(ctx, transposeA, transposeB, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate);
            }
        }
    }

    /// <summary>
    /// C[m, n] = A[row0 .. row0 + m, :] · B with A pre-packed for the managed kernel (contexts whose
    /// <see cref="CpuContext.UsesOpenBlas"/> is false); B is k x n with row stride <paramref name="ldb"/>, k = A's depth.
    /// </summary>
    internal static void Multiply(
        CpuContext ctx, GemmPackedA a, int row0, int m, int n, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc)
        => Multiply(ctx, a, row0, m, n, b, ldb, c, ldc, default, default, 0, false);

    /// <summary>
    /// As above, with the epilogue fused into the store: C = relu?((A·B) + rowBias[i] + residual[i, j]).
    /// <paramref name="rowBias"/> is empty or m long; <paramref name="residual"/> is empty or an m x n matrix with row stride <paramref name="ldr"/>.
    /// </summary>
    internal static unsafe void Multiply(
        CpuContext ctx, GemmPackedA a, int row0, int m, int n, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc,
        ReadOnlySpan<float> rowBias, ReadOnlySpan<float> residual, int ldr, bool relu)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(a);
        if (ctx.UsesOpenBlas) throw new InvalidOperationException("Sgemm: a pre-packed A needs the managed GEMM; this context uses OpenBLAS");
        if (row0 < 0 || row0 % ManagedSgemm.Mr != 0 || m < 0 || row0 + m > a.Rows)
            throw new ShapeException("Sgemm", "row0/m", $"a row range starting on a multiple of {ManagedSgemm.Mr} inside [0, {a.Rows})", $"{row0}/{m}");
        if (m == 0 || n <= 0) return;
        CheckMatrix("b", b.Length, a.Depth, n, ldb);
        CheckMatrix("c", c.Length, m, n, ldc);
        if (!rowBias.IsEmpty) ShapeException.ThrowIfLengthBelow("Sgemm", nameof(rowBias), m, rowBias.Length);
        if (!residual.IsEmpty) CheckMatrix("residual", residual.Length, m, n, ldr);
        fixed (float* pb = b)
        fixed (float* pc = c)
        fixed (float* pBias = rowBias)
        fixed (float* pRes = residual)
        {
            var epilogue = new GemmEpilogue(rowBias.IsEmpty ? null : pBias, residual.IsEmpty ? null : pRes, ldr, relu);
            ManagedSgemm.Multiply(ctx, a, row0, m, n, false, pb, ldb, pc, ldc, false, epilogue);
        }
    }

    /// <summary>
    /// C[m, n] = A · op(B)[:, col0 .. col0 + n) with op(B) pre-packed for the managed kernel (contexts whose
    /// <see cref="CpuContext.UsesOpenBlas"/> is false); A is m x k with row stride <paramref name="lda"/>, k = B's depth.
    /// </summary>
    internal static unsafe void Multiply(
        CpuContext ctx, ReadOnlySpan<float> a, int lda, int m, GemmPackedB b, int col0, int n, Span<float> c, int ldc)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(b);
        if (ctx.UsesOpenBlas) throw new InvalidOperationException("Sgemm: a pre-packed B needs the managed GEMM; this context uses OpenBLAS");
        if (col0 < 0 || col0 % b.Nr != 0 || n < 0 || col0 + n > b.Columns)
            throw new ShapeException("Sgemm", "col0/n", $"a column range starting on a multiple of {b.Nr} inside [0, {b.Columns})", $"{col0}/{n}");
        if (m <= 0 || n == 0) return;
        CheckMatrix("a", a.Length, m, b.Depth, lda);
        CheckMatrix("c", c.Length, m, n, ldc);
        fixed (float* pa = a)
        fixed (float* pc = c)
            ManagedSgemm.Multiply(ctx, pa, lda, m, b, col0, n, pc, ldc);
    }

    private static void CheckMatrix(string name, int length, int rows, int cols, int ld)
    {
        if (ld < Math.Max(1, cols))
            throw new ShapeException("Sgemm", "ld" + name, $">= {Math.Max(1, cols)}", ld.ToString(System.Globalization.CultureInfo.InvariantCulture));
        long needed = rows == 0 ? 0 : ((long)(rows - 1) * ld) + cols;
        if (length < needed)
            throw new ShapeException("Sgemm", name, $"a {rows} x {cols} matrix with row stride {ld} (length >= {needed})", $"length {length}");
    }
}
