using Detserve.Backends.Cpu.Gemm;

namespace Detserve.Backends.Cpu.Tests;

/// <summary>The managed GEMM with weights packed ahead of time (<see cref="GemmPackedA"/>) against a double-precision product.</summary>
public sealed class GemmTests
{
    /// <summary>op(A)[row0.., :] · B in double precision; A is m x k (k x m when transposed), B is k x n.</summary>
    private static float[] Naive(float[] a, bool transposeA, int m, int k, float[] b, int n, int row0, int rows)
    {
        float[] c = new float[rows * n];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += (double)(transposeA ? a[(p * m) + row0 + i] : a[((row0 + i) * k) + p]) * b[(p * n) + j];
                c[(i * n) + j] = (float)s;
            }
        return c;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sgemm_PackedA_MatchesNaiveProduct_OnEdgeShapes(bool transposeA)
    {
        using var ctx = new CpuContext(1, GemmBackend.Managed);
        int seed = 700;
        // Edge shapes: single elements, sizes off the 6 x 32 tile and the 256-deep k-block, one k-block exactly,
        // several k-blocks, more rows than one 120-row block, a wide N beyond the 2048-column block.
        foreach ((int m, int n, int k) in new[]
        {
            (1, 1, 1), (5, 7, 3), (6, 32, 256), (13, 70, 257), (7, 33, 2), (130, 33, 600), (64, 196, 2304), (7, 2100, 9),
        })
        {
            float[] a = TestData.Uniform(seed++, m * k), b = TestData.Uniform(seed++, k * n);
            var packed = new GemmPackedA(a, m, k, transposeA ? m : k, transposeA);
            Assert.Equal(m, packed.Rows);
            Assert.Equal(k, packed.Depth);
            // The whole matrix, then row ranges that start on a later panel (as the convolutions' row tiles do).
            for (int row0 = 0; row0 < m; row0 += 2 * ManagedSgemm.Mr)
            {
                int rows = row0 == 0 ? m : Math.Min(m - row0, ManagedSgemm.Mr + 1);
                float[] expected = Naive(a, transposeA, m, k, b, n, row0, rows);
                float[] actual = TestData.Uniform(seed++, rows * n, 50f, 60f); // garbage the product must overwrite
                Sgemm.Multiply(ctx, packed, row0, rows, n, b, n, actual, n);
                float scale = MathF.Sqrt(k);
                TestData.AssertClose(expected, actual, 1e-5f * scale, 1e-5f, $"packed Sgemm m={m} n={n} k={k} transposeA={transposeA} row0={row0} rows={rows}");
            }
        }
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public void Sgemm_PackedB_MatchesNaiveProduct_OnEdgeShapes(bool transposeB, bool vector512)
    {
        using var ctx = new CpuContext(1, GemmBackend.Managed);
        int seed = 900;
        foreach ((int m, int n, int k) in new[] { (1, 1, 1), (5, 7, 3), (6, 32, 256), (13, 70, 257), (130, 100, 600), (7, 2100, 9) })
        {
            float[] a = TestData.Uniform(seed++, m * k), bt = TestData.Uniform(seed++, k * n);
            // bt holds op(B): k x n row-major, or its transpose n x k when transposeB.
            float[] b = new float[k * n];
            for (int p = 0; p < k; p++)
                for (int j = 0; j < n; j++)
                    b[(p * n) + j] = transposeB ? bt[(j * k) + p] : bt[(p * n) + j];
            var packed = new GemmPackedB(bt, k, n, transposeB ? k : n, transposeB, vector512);
            for (int col0 = 0; col0 < n; col0 += 2 * packed.Nr)
            {
                int cols = col0 == 0 ? n : Math.Min(n - col0, packed.Nr + 3);
                float[] sub = new float[k * cols];
                for (int p = 0; p < k; p++) Array.Copy(b, (p * n) + col0, sub, p * cols, cols);
                float[] expected = Naive(a, false, m, k, sub, cols, 0, m);
                float[] actual = TestData.Uniform(seed++, m * cols, 50f, 60f);
                Sgemm.Multiply(ctx, a, k, m, packed, col0, cols, actual, cols);
                TestData.AssertClose(expected, actual, 1e-5f * MathF.Sqrt(k), 1e-5f, $"packed-B Sgemm m={m} n={n} k={k} transposeB={transposeB} nr={packed.Nr} col0={col0} cols={cols}");
            }
        }
    }

    [Fact]
    public void Sgemm_PackedA_WritesOnlyItsTile_WithRowStrideBeyondN()
    {
        using var ctx = new CpuContext(1, GemmBackend.Managed);
        const int m = 11, n = 37, k = 19, ldc = 50;
        float[] a = TestData.Uniform(1, m * k), b = TestData.Uniform(2, k * n);
        float[] c = TestData.Uniform(3, m * ldc), before = (float[])c.Clone();
        Sgemm.Multiply(ctx, new GemmPackedA(a, m, k, k, false), 0, m, n, b, n, c, ldc);
        float[] expected = Naive(a, false, m, k, b, n, 0, m);
        for (int i = 0; i < m; i++)
        {
            TestData.AssertClose(expected.AsSpan(i * n, n), c.AsSpan(i * ldc, n), 1e-5f, 1e-5f, $"row {i}");
            Assert.Equal(before.AsSpan((i * ldc) + n, ldc - n).ToArray(), c.AsSpan((i * ldc) + n, ldc - n).ToArray());
        }
    }

    [Theory]
    [InlineData(true, true, true)]
    [InlineData(true, false, false)]
    [InlineData(false, true, true)]
    [InlineData(false, false, true)]
    public void Sgemm_PackedA_FusedEpilogue_EqualsProductThenEpilogue(bool bias, bool residual, bool relu)
    {
        using var ctx = new CpuContext(1, GemmBackend.Managed);
        int seed = 1100;
        // One k-block and several (the epilogue runs on the last), edge tiles in M and N, a residual row stride beyond N.
        foreach ((int m, int n, int k) in new[] { (1, 1, 1), (13, 70, 200), (64, 33, 600), (7, 2100, 9) })
        {
            int ldr = n + 5;
            float[] a = TestData.Uniform(seed++, m * k), b = TestData.Uniform(seed++, k * n);
            float[] rowBias = bias ? TestData.Uniform(seed++, m) : [];
            float[] res = residual ? TestData.Uniform(seed++, m * ldr) : [];
            var packed = new GemmPackedA(a, m, k, k, false);
            float[] expected = new float[m * n];
            Sgemm.Multiply(ctx, packed, 0, m, n, b, n, expected, n);
            for (int i = 0; i < m; i++)
            {
                Span<float> row = expected.AsSpan(i * n, n);
                Epilogue.Apply(row, bias ? rowBias[i] : 0f, bias, residual ? res.AsSpan(i * ldr, n) : default, relu);
            }
            float[] actual = TestData.Uniform(seed++, m * n, 50f, 60f);
            Sgemm.Multiply(ctx, packed, 0, m, n, b, n, actual, n, rowBias, res, ldr, relu);
            // Same float operations in the same order: equal bits, not just close.
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"fused epilogue m={m} n={n} k={k} bias={bias} residual={residual} relu={relu}");
        }
    }

    [Fact]
    public void Sgemm_PackedA_RejectsRowRangeOffPanel_NamingIt()
    {
        using var ctx = new CpuContext(1, GemmBackend.Managed);
        var packed = new GemmPackedA(new float[20 * 4], 20, 4, 4, false);
        float[] b = new float[4 * 3], c = new float[20 * 3];
        var e = Assert.Throws<ShapeException>(() => Sgemm.Multiply(ctx, packed, 3, 6, 3, b, 3, c, 3));
        Assert.Contains("row0", e.Message, StringComparison.Ordinal);
        Assert.Throws<ShapeException>(() => Sgemm.Multiply(ctx, packed, 18, 6, 3, b, 3, c, 3));
    }
}
