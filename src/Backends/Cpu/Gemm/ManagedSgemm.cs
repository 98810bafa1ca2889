using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Detserve.Backends.Cpu.Gemm;

/// <summary>
/// The managed fallback GEMM: GotoBLAS-style blocking (panels of B of width <see cref="Nr"/>, panels of A of height
/// <see cref="Mr"/>, a k-block of <see cref="Kc"/>) around a 6 x 16 register-blocked FMA micro-kernel on
/// <see cref="Vector256{T}"/>. Edge tiles are computed in full on zero-padded panels and copied out partially.
/// </summary>
internal static class ManagedSgemm
{
    internal const int Mr = 6;
    internal const int Nr = 16;
    private const int Kc = 256;
    private const int Mc = 120;
    private const int Nc = 2048;

    internal static unsafe void Multiply(
        CpuContext ctx, bool transposeA, bool transposeB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate)
    {
        int ncMax = Math.Min(Nc, RoundUp(n, Nr));
        int mcMax = Math.Min(Mc, RoundUp(m, Mr));
        int kcMax = Math.Min(Kc, k);
        using PooledBuffer<float> bPack = ctx.RentFloats((ncMax * kcMax) + 16);
        using PooledBuffer<float> aPack = ctx.RentFloats((mcMax * kcMax) + 16);
        float* tile = stackalloc float[Mr * Nr];
        fixed (float* bp = bPack.Array)
        fixed (float* ap = aPack.Array)
        {
            for (int jc = 0; jc < n; jc += Nc)
            {
                int nc = Math.Min(Nc, n - jc);
                for (int pc = 0; pc < k; pc += Kc)
                {
                    int kc = Math.Min(Kc, k - pc);
                    bool add = accumulate || pc > 0;
                    PackB(transposeB, b, ldb, pc, jc, kc, nc, bp);
                    for (int ic = 0; ic < m; ic += Mc)
                    {
                        int mc = Math.Min(Mc, m - ic);
                        PackA(transposeA, a, lda, ic, pc, mc, kc, ap);
                        for (int jr = 0; jr < nc; jr += Nr)
                        {
                            int nr = Math.Min(Nr, nc - jr);
                            float* bPanel = bp + (jr * kc);
                            for (int ir = 0; ir < mc; ir += Mr)
                            {
                                int mr = Math.Min(Mr, mc - ir);
                                float* aPanel = ap + (ir * kc);
                                float* cTile = c + ((long)(ic + ir) * ldc) + jc + jr;
                                if (mr == Mr && nr == Nr)
                                {
                                    Kernel6x16(kc, aPanel, bPanel, cTile, ldc, add);
                                }
                                else
                                {
                                    Kernel6x16(kc, aPanel, bPanel, tile, Nr, false);
                                    for (int i = 0; i < mr; i++)
                                        for (int j = 0; j < nr; j++)
                                            cTile[((long)i * ldc) + j] = add ? cTile[((long)i * ldc) + j] + tile[(i * Nr) + j] : tile[(i * Nr) + j];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>Packs op(B)[pc.., jc..] (kc x nc) into Nr-wide column panels, each kc x Nr row-major, zero-padded.</summary>
    private static unsafe void PackB(bool transposeB, float* b, int ldb, int pc, int jc, int kc, int nc, float* dst)
    {
        for (int jr = 0; jr < nc; jr += Nr)
        {
            int nr = Math.Min(Nr, nc - jr);
            float* panel = dst + (jr * kc);
            for (int p = 0; p < kc; p++)
            {
                float* row = panel + (p * Nr);
                if (!transposeB)
                {
                    float* src = b + ((long)(pc + p) * ldb) + jc + jr;
                    if (nr == Nr)
                    {
                        Vector256.Store(Vector256.Load(src), row);
                        Vector256.Store(Vector256.Load(src + 8), row + 8);
                        continue;
                    }
                    for (int j = 0; j < nr; j++) row[j] = src[j];
                }
                else
                {
                    for (int j = 0; j < nr; j++) row[j] = b[((long)(jc + jr + j) * ldb) + pc + p];
                }
                for (int j = nr; j < Nr; j++) row[j] = 0f;
            }
        }
    }

    /// <summary>Packs op(A)[ic.., pc..] (mc x kc) into Mr-high row panels, each stored k-major (kc x Mr), zero-padded.</summary>
    private static unsafe void PackA(bool transposeA, float* a, int lda, int ic, int pc, int mc, int kc, float* dst)
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
            b += Nr;
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
