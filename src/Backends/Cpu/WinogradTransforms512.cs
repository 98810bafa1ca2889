using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Detserve.Backends.Cpu;

/// <summary>
/// The input and output transforms of <see cref="WinogradConv3x3"/> (F(2x2, 3x3), Lavin and Gray, arXiv:1509.09308)
/// on AVX-512, sixteen tiles of one tile row per vector. Tile j of a run reads input columns x0 + 2j .. x0 + 2j + 3, so
/// lane j of d[r][s] is element 2j + s of the (zero-padded) input row: even/odd lanes of two 16-float loads, split with
/// vpermt2ps. The output side interleaves the two output columns back the same way. Lanes past the run's end compute
/// values nobody reads: their V columns are overwritten by the next run or lie in the row padding the caller leaves,
/// and their outputs are never copied out.
/// </summary>
internal static class WinogradTransforms512
{
    /// <summary>Floats of scratch one run of <paramref name="count"/> tiles needs (four padded input rows, or two output rows).</summary>
    internal static int ScratchFloats(int count) => 4 * RowLength(count);

    private static int RowLength(int count) => (32 * ((count + 15) / 16)) + 32;

    /// <summary>
    /// V[ξ][j .. j + count) = (Bᵀ d B)[ξ] for the tiles of one run in one channel plane <paramref name="plane"/>
    /// (height x width). Tile j's top-left input pixel is (y0, x0 + 2j), which may lie in the padding.
    /// <paramref name="v"/> points at ξ = 0, column j0; planes ξ are <paramref name="vStride"/> floats apart and each
    /// row has room for 15 floats past the run.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void InputRun(float* plane, int height, int width, int y0, int x0, int count, float* v, long vStride, float* scratch)
    {
        int rowLength = RowLength(count);
        int span = Math.Min(rowLength, (2 * count) + 2);
        for (int r = 0; r < 4; r++)
        {
            float* row = scratch + (r * rowLength);
            new Span<float>(row, rowLength).Clear();
            int y = y0 + r;
            if ((uint)y >= (uint)height) continue;
            // Input columns x0 .. x0 + span - 1 that lie inside the image.
            int from = Math.Max(0, -x0), to = Math.Min(span, width - x0);
            if (to > from) new ReadOnlySpan<float>(plane + ((long)y * width) + x0 + from, to - from).CopyTo(new Span<float>(row + from, to - from));
        }

        Vector512<int> even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        Vector512<int> odd = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        float* r0 = scratch, r1 = scratch + rowLength, r2 = scratch + (2 * rowLength), r3 = scratch + (3 * rowLength);
        for (int g = 0; g < count; g += 16)
        {
            int b = 2 * g;
            // d[r][s], lanes = 16 tiles.
            Vector512<float> p = Vector512.Load(r0 + b), q = Vector512.Load(r0 + b + 16), p2 = Vector512.Load(r0 + b + 2), q2 = Vector512.Load(r0 + b + 18);
            Vector512<float> d00 = Avx512F.PermuteVar16x32x2(p, even, q), d01 = Avx512F.PermuteVar16x32x2(p, odd, q);
            Vector512<float> d02 = Avx512F.PermuteVar16x32x2(p2, even, q2), d03 = Avx512F.PermuteVar16x32x2(p2, odd, q2);
            p = Vector512.Load(r1 + b); q = Vector512.Load(r1 + b + 16); p2 = Vector512.Load(r1 + b + 2); q2 = Vector512.Load(r1 + b + 18);
            Vector512<float> d10 = Avx512F.PermuteVar16x32x2(p, even, q), d11 = Avx512F.PermuteVar16x32x2(p, odd, q);
            Vector512<float> d12 = Avx512F.PermuteVar16x32x2(p2, even, q2), d13 = Avx512F.PermuteVar16x32x2(p2, odd, q2);
            p = Vector512.Load(r2 + b); q = Vector512.Load(r2 + b + 16); p2 = Vector512.Load(r2 + b + 2); q2 = Vector512.Load(r2 + b + 18);
            Vector512<float> d20 = Avx512F.PermuteVar16x32x2(p, even, q), d21 = Avx512F.PermuteVar16x32x2(p, odd, q);
            Vector512<float> d22 = Avx512F.PermuteVar16x32x2(p2, even, q2), d23 = Avx512F.PermuteVar16x32x2(p2, odd, q2);
            p = Vector512.Load(r3 + b); q = Vector512.Load(r3 + b + 16); p2 = Vector512.Load(r3 + b + 2); q2 = Vector512.Load(r3 + b + 18);
            Vector512<float> d30 = Avx512F.PermuteVar16x32x2(p, even, q), d31 = Avx512F.PermuteVar16x32x2(p, odd, q);
            Vector512<float> d32 = Avx512F.PermuteVar16x32x2(p2, even, q2), d33 = Avx512F.PermuteVar16x32x2(p2, odd, q2);

            // w = Bᵀ d (combines rows), then V = w B (combines columns); Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1].
            float* dst = v + g;
            Row(d00 - d20, d01 - d21, d02 - d22, d03 - d23, dst, vStride);
            Row(d10 + d20, d11 + d21, d12 + d22, d13 + d23, dst + (4 * vStride), vStride);
            Row(d20 - d10, d21 - d11, d22 - d12, d23 - d13, dst + (8 * vStride), vStride);
            Row(d10 - d30, d11 - d31, d12 - d32, d13 - d33, dst + (12 * vStride), vStride);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Row(Vector512<float> w0, Vector512<float> w1, Vector512<float> w2, Vector512<float> w3, float* dst, long stride)
    {
        Vector512.Store(w0 - w2, dst);
        Vector512.Store(w1 + w2, dst + stride);
        Vector512.Store(w2 - w1, dst + (2 * stride));
        Vector512.Store(w1 - w3, dst + (3 * stride));
    }

    /// <summary>
    /// For one output channel and one run of tiles whose first output pixel is (oy, ox): Y = Aᵀ M A + bias, then
    /// + residual and ReLU, written to the two output rows oy and oy + 1 (cropped at the image's right and bottom edge).
    /// <paramref name="m"/> points at ξ = 0, column j0; planes ξ are <paramref name="mStride"/> floats apart.
    /// <paramref name="outRow"/> and <paramref name="residualRow"/> (or null) point at output pixel (oy, ox) of the channel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void OutputRun(
        float* m, long mStride, int count, float bias, float* outRow, float* residualRow, int outW, bool hasSecondRow, int columns, bool relu, float* scratch)
    {
        int rowLength = RowLength(count);
        float* top = scratch, bottom = scratch + rowLength;
        Vector512<int> lo = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        Vector512<int> hi = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        Vector512<float> b = Vector512.Create(bias);
        for (int g = 0; g < count; g += 16)
        {
            float* q = m + g;
            Vector512<float> m0 = Vector512.Load(q), m1 = Vector512.Load(q + mStride), m2 = Vector512.Load(q + (2 * mStride)), m3 = Vector512.Load(q + (3 * mStride));
            Vector512<float> m4 = Vector512.Load(q + (4 * mStride)), m5 = Vector512.Load(q + (5 * mStride)), m6 = Vector512.Load(q + (6 * mStride)), m7 = Vector512.Load(q + (7 * mStride));
            Vector512<float> m8 = Vector512.Load(q + (8 * mStride)), m9 = Vector512.Load(q + (9 * mStride)), m10 = Vector512.Load(q + (10 * mStride)), m11 = Vector512.Load(q + (11 * mStride));
            Vector512<float> m12 = Vector512.Load(q + (12 * mStride)), m13 = Vector512.Load(q + (13 * mStride)), m14 = Vector512.Load(q + (14 * mStride)), m15 = Vector512.Load(q + (15 * mStride));
            // z = Aᵀ M (2 x 4), Aᵀ = [1 1 1 0; 0 1 −1 −1]; then Y = z A (2 x 2).
            Vector512<float> z00 = m0 + m4 + m8, z01 = m1 + m5 + m9, z02 = m2 + m6 + m10, z03 = m3 + m7 + m11;
            Vector512<float> z10 = m4 - m8 - m12, z11 = m5 - m9 - m13, z12 = m6 - m10 - m14, z13 = m7 - m11 - m15;
            Vector512<float> y00 = z00 + z01 + z02 + b, y01 = z01 - z02 - z03 + b;
            Vector512<float> y10 = z10 + z11 + z12 + b, y11 = z11 - z12 - z13 + b;
            int x = 2 * g;
            Vector512.Store(Avx512F.PermuteVar16x32x2(y00, lo, y01), top + x);
            Vector512.Store(Avx512F.PermuteVar16x32x2(y00, hi, y01), top + x + 16);
            Vector512.Store(Avx512F.PermuteVar16x32x2(y10, lo, y11), bottom + x);
            Vector512.Store(Avx512F.PermuteVar16x32x2(y10, hi, y11), bottom + x + 16);
        }
        Finish(new ReadOnlySpan<float>(top, columns), outRow, residualRow, relu);
        if (hasSecondRow) Finish(new ReadOnlySpan<float>(bottom, columns), outRow + outW, residualRow == null ? null : residualRow + outW, relu);
    }

    /// <summary>The epilogue's residual add and ReLU, in PyTorch's order (see <see cref="Epilogue"/>).</summary>
    private static unsafe void Finish(ReadOnlySpan<float> values, float* outRow, float* residualRow, bool relu)
    {
        var dst = new Span<float>(outRow, values.Length);
        if (residualRow != null) TensorPrimitives.Add(values, new ReadOnlySpan<float>(residualRow, values.Length), dst);
        else values.CopyTo(dst);
        if (relu) TensorPrimitives.Max(dst, 0f, dst);
    }
}
