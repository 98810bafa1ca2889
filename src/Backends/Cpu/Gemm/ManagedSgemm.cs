using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Detserve.Backends.Cpu.Gemm;

/// <summary>
/// The managed GEMM (the default where 512-bit vectors are accelerated, see <see cref="GemmBackend.Auto"/>):
/// GotoBLAS-style blocking (panels of B of width nr, panels of A of height <see cref="Mr"/>, a k-block of
/// <see cref="Kc"/>) around a register-blocked FMA micro-kernel: 6 x 32 on <see cref="Vector512{T}"/> where AVX-512 is
/// accelerated, else 6 x 16 on <see cref="Vector256{T}"/>. A constant operand can come pre-packed
/// (<see cref="GemmPackedA"/>, <see cref="GemmPackedB"/>), and a <see cref="GemmEpilogue"/> can be applied as the
/// last k-block is stored. Edge tiles are computed in full on zero-padded panels and copied out partially.
/// </summary>
internal static class ManagedSgemm
{
    /// <summary>Height of the micro-kernel's tile (rows of A per panel).</summary>
    internal const int Mr = 6;

    /// <summary>Depth of one k-block: a 32-wide B micro-panel of Kc rows is 32 KiB, inside a 48 KiB L1 data cache.</summary>
    internal const int Kc = 256;

    private const int MaxNr = 32;
    private const int Mc = 120;
    private const int Nc = 2048;

    internal static unsafe void Multiply(
        CpuContext ctx, bool transposeA, bool transposeB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate)
        => Multiply(ctx, transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, Vector512.IsHardwareAccelerated);

    /// <summary>As above; <paramref name="useVector512"/> picks the 6 x 32 AVX-512 kernel (tests run both).</summary>
    internal static unsafe void Multiply(
        CpuContext ctx, bool transposeA, bool transposeB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate, bool useVector512)
        => Run(ctx, new ASource(a, lda, transposeA, 0, 0), new BSource(b, ldb, transposeB, 0, 0), m, n, k, c, ldc, accumulate, useVector512);

    /// <summary>
    /// C[m, n] (+)= A[row0 .. row0 + m, :] · op(B) with A packed ahead of time; <paramref name="row0"/> is a multiple
    /// of <see cref="Mr"/> and the inner dimension is <paramref name="a"/>'s depth.
    /// </summary>
    internal static unsafe void Multiply(
        CpuContext ctx, GemmPackedA a, int row0, int m, int n, bool transposeB, float* b, int ldb, float* c, int ldc, bool accumulate,
        GemmEpilogue epilogue = default)
    {
        Debug.Assert(row0 % Mr == 0 && row0 + m <= a.Rows, "row range must start on a panel and lie inside the packed matrix");
        fixed (float* pa = a.Data)
            Run(ctx, new ASource(pa, 0, false, a.PaddedRows, row0), new BSource(b, ldb, transposeB, 0, 0), m, n, a.Depth, c, ldc, accumulate, Vector512.IsHardwareAccelerated, epilogue);
    }

    /// <summary>
    /// C[m, n] = A · op(B)[:, col0 .. col0 + n) with op(B) packed ahead of time; <paramref name="col0"/> is a multiple of
    /// the packing's width and the inner dimension is <paramref name="b"/>'s depth.
    /// </summary>
    internal static unsafe void Multiply(CpuContext ctx, float* a, int lda, int m, GemmPackedB b, int col0, int n, float* c, int ldc)
    {
        Debug.Assert(col0 % b.Nr == 0 && col0 + n <= b.Columns, "column range must start on a panel and lie inside the packed matrix");
        Run(ctx, new ASource(a, lda, false, 0, 0), new BSource(b.Pointer, 0, false, b.PaddedColumns, col0), m, n, b.Depth, c, ldc, false, b.Nr == 32);
    }

    /// <summary>Where the B panels come from: packed per call from a row-major matrix, or a <see cref="GemmPackedB"/> (PaddedColumns &gt; 0).</summary>
    private readonly unsafe struct BSource(float* data, int ldb, bool transpose, int paddedColumns, int col0)
    {
        internal readonly float* Data = data;
        internal readonly int Ldb = ldb;
        internal readonly bool Transpose = transpose;
        internal readonly int PaddedColumns = paddedColumns;
        internal readonly int Col0 = col0;

        internal bool IsPacked => PaddedColumns > 0;
    }

    /// <summary>Where the A panels come from: packed per call from a row-major matrix, or a <see cref="GemmPackedA"/> (PaddedRows &gt; 0).</summary>
    private readonly unsafe struct ASource(float* data, int lda, bool transpose, int paddedRows, int row0)
    {
        internal readonly float* Data = data;
        internal readonly int Lda = lda;
        internal readonly bool Transpose = transpose;
        internal readonly int PaddedRows = paddedRows;
        internal readonly int Row0 = row0;

        internal bool IsPacked => PaddedRows > 0;
    }

    private static unsafe void Run(
        CpuContext ctx, ASource a, BSource b, int m, int n, int k, float* c, int ldc, bool accumulate, bool useVector512)
        => Run(ctx, a, b, m, n, k, c, ldc, accumulate, useVector512, default);

    private static unsafe void Run(
        CpuContext ctx, ASource a, BSource b, int m, int n, int k, float* c, int ldc, bool accumulate, bool useVector512, GemmEpilogue epilogue)
    {
        int nrFull = useVector512 ? 32 : 16;
        int ncMax = Math.Min(Nc, RoundUp(n, nrFull));
        int mcMax = Math.Min(Mc, RoundUp(m, Mr));
        int kcMax = Math.Min(Kc, k);
        using PooledBuffer<float> bPack = ctx.RentFloats(b.IsPacked ? 0 : (ncMax * kcMax) + 16);
        using PooledBuffer<float> aPack = ctx.RentFloats(a.IsPacked ? 0 : (mcMax * kcMax) + 16);
        float* tile = stackalloc float[Mr * MaxNr];
        fixed (float* bpRaw = bPack.Array)
        fixed (float* ap = aPack.Array)
        {
            // 64-byte aligned panels: every 512-bit load of B then stays inside one cache line.
            float* bp = (float*)(((nint)bpRaw + 63) & ~(nint)63);
            for (int jc = 0; jc < n; jc += Nc)
            {
                int nc = Math.Min(Nc, n - jc);
                for (int pc = 0; pc < k; pc += Kc)
                {
                    int kc = Math.Min(Kc, k - pc);
                    bool add = accumulate || pc > 0;
                    bool finish = !epilogue.IsNone && pc + kc >= k;
                    float* bBlock;
                    if (b.IsPacked)
                    {
                        bBlock = b.Data + ((long)pc * b.PaddedColumns) + ((long)(b.Col0 + jc) * kc);
                    }
                    else
                    {
                        PackB(b.Transpose, b.Data, b.Ldb, pc, jc, kc, nc, nrFull, bp);
                        bBlock = bp;
                    }
                    for (int ic = 0; ic < m; ic += Mc)
                    {
                        int mc = Math.Min(Mc, m - ic);
                        float* aBlock;
                        if (a.IsPacked)
                        {
                            aBlock = a.Data + ((long)pc * a.PaddedRows) + ((long)(a.Row0 + ic) * kc);
                        }
                        else
                        {
                            PackA(a.Transpose, a.Data, a.Lda, ic, pc, mc, kc, ap);
                            aBlock = ap;
                        }
                        for (int jr = 0; jr < nc; jr += nrFull)
                        {
                            int nr = Math.Min(nrFull, nc - jr);
                            float* bPanel = bBlock + (jr * kc);
                            for (int ir = 0; ir < mc; ir += Mr)
                            {
                                int mr = Math.Min(Mr, mc - ir);
                                float* aPanel = aBlock + (ir * kc);
                                float* cTile = c + ((long)(ic + ir) * ldc) + jc + jr;
                                if (finish)
                                {
                                    // Last k-block with an epilogue: the tile goes through L1 once more on its way out.
                                    Kernel(nrFull, kc, aPanel, bPanel, tile, nrFull, false);
                                    int row = ic + ir, col = jc + jr;
                                    Finish(tile, nrFull, cTile, ldc, mr, nr, add, epilogue, row, col);
                                }
                                else if (mr == Mr && nr == nrFull)
                                {
                                    Kernel(nrFull, kc, aPanel, bPanel, cTile, ldc, add);
                                }
                                else
                                {
                                    Kernel(nrFull, kc, aPanel, bPanel, tile, nrFull, false);
                                    for (int i = 0; i < mr; i++)
                                        for (int j = 0; j < nr; j++)
                                            cTile[((long)i * ldc) + j] = add ? cTile[((long)i * ldc) + j] + tile[(i * nrFull) + j] : tile[(i * nrFull) + j];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// C[row + i, col + j] = relu?(((add ? C : 0) + tile[i, j]) + bias[row + i] + residual[row + i, col + j]) for the
    /// mr x nr valid part of a micro-tile; the same float operations in the same order as a GEMM followed by
    /// <see cref="Epilogue.Apply"/>.
    /// </summary>
    private static unsafe void Finish(float* tile, int ldt, float* c, int ldc, int mr, int nr, bool add, in GemmEpilogue e, int row, int col)
    {
        for (int i = 0; i < mr; i++)
        {
            float* t = tile + (i * ldt);
            float* ci = c + ((long)i * ldc);
            float* ri = e.Residual == null ? null : e.Residual + ((long)(row + i) * e.Ldr) + col;
            bool hasBias = e.RowBias != null;
            float bias = hasBias ? e.RowBias[row + i] : 0f;
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<float> bv = Vector512.Create(bias);
                for (; j <= nr - 16; j += 16)
                {
                    Vector512<float> v = Vector512.Load(t + j);
                    if (add) v = Vector512.Load(ci + j) + v;
                    if (hasBias) v += bv;
                    if (ri != null) v += Vector512.Load(ri + j);
                    if (e.Relu) v = Vector512.Max(v, Vector512<float>.Zero);
                    Vector512.Store(v, ci + j);
                }
            }
            for (; j < nr; j++)
            {
                float v = t[j];
                if (add) v = ci[j] + v;
                if (hasBias) v += bias;
                if (ri != null) v += ri[j];
                if (e.Relu) v = MathF.Max(v, 0f);
                ci[j] = v;
            }
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>Packs op(B)[pc.., jc..] (kc x nc) into nrFull-wide column panels, each kc x nrFull row-major, zero-padded.</summary>
    internal static unsafe void PackB(bool transposeB, float* b, int ldb, int pc, int jc, int kc, int nc, int nrFull, float* dst)
    {
        for (int jr = 0; jr < nc; jr += nrFull)
        {
            int nr = Math.Min(nrFull, nc - jr);
            float* panel = dst + (jr * kc);
            for (int p = 0; p < kc; p++)
            {
                float* row = panel + (p * nrFull);
                if (!transposeB)
                {
                    float* src = b + ((long)(pc + p) * ldb) + jc + jr;
                    if (nr == 32)
                    {
                        Vector512.Store(Vector512.Load(src), row);
                        Vector512.Store(Vector512.Load(src + 16), row + 16);
                        continue;
                    }
                    if (nr == nrFull)
                    {
                        for (int j = 0; j < nrFull; j += 8) Vector256.Store(Vector256.Load(src + j), row + j);
                        continue;
                    }
                    for (int j = 0; j < nr; j++) row[j] = src[j];
                }
                else
                {
                    for (int j = 0; j < nr; j++) row[j] = b[((long)(jc + jr + j) * ldb) + pc + p];
                }
                for (int j = nr; j < nrFull; j++) row[j] = 0f;
            }
        }
    }

    private static unsafe void Kernel(int nrFull, int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        if (nrFull == 32) Kernel6x32(kc, a, b, c, ldc, add);
        else Kernel6x16(kc, a, b, c, ldc, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel6x32(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> av = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(av, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(av, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(av, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(av, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(av, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(av, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(av, b1, c51);
            a += Mr;
            b += 32;
        }
        Store512(c, c00, c01, add);
        Store512(c + ldc, c10, c11, add);
        Store512(c + (2 * (long)ldc), c20, c21, add);
        Store512(c + (3 * (long)ldc), c30, c31, add);
        Store512(c + (4 * (long)ldc), c40, c41, add);
        Store512(c + (5 * (long)ldc), c50, c51, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store512(float* c, Vector512<float> lo, Vector512<float> hi, bool add)
    {
        if (add)
        {
            lo += Vector512.Load(c);
            hi += Vector512.Load(c + 16);
        }
        Vector512.Store(lo, c);
        Vector512.Store(hi, c + 16);
    }

    /// <summary>Packs op(A)[ic.., pc..] (mc x kc) into Mr-high row panels, each stored k-major (kc x Mr), zero-padded.</summary>
    internal static unsafe void PackA(bool transposeA, float* a, int lda, int ic, int pc, int mc, int kc, float* dst)
    {
        for (int ir = 0; ir < mc; ir += Mr)
        {
            int mr = Math.Min(Mr, mc - ir);
            float* panel = dst + (ir * kc);
            for (int p = 0; p < kc; p++)
            {
                float* col = panel + (p * Mr);
                for (int i = 0; i < mr; i++)
                {
                    col[i] = transposeA
                        ? a[((long)(pc + p) * lda) + ic + ir + i]
                        : a[((long)(ic + ir + i) * lda) + pc + p];
                }
                for (int i = mr; i < Mr; i++) col[i] = 0f;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel6x16(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> av = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(av, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(av, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(av, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(av, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(av, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(av, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(av, b1, c51);
            a += Mr;
            b += 16;
        }
        Store(c, c00, c01, add);
        Store(c + ldc, c10, c11, add);
        Store(c + (2 * (long)ldc), c20, c21, add);
        Store(c + (3 * (long)ldc), c30, c31, add);
        Store(c + (4 * (long)ldc), c40, c41, add);
        Store(c + (5 * (long)ldc), c50, c51, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(float* c, Vector256<float> lo, Vector256<float> hi, bool add)
    {
        if (add)
        {
            lo += Vector256.Load(c);
            hi += Vector256.Load(c + 8);
        }
        Vector256.Store(lo, c);
        Vector256.Store(hi, c + 8);
    }
}
