using Detserve.Backends.Cpu.Gemm;
using Detserve.Backends.Cpu.Reference;

namespace Detserve.Backends.Cpu.Tests;

public class ConvTests
{
    public static TheoryData<GemmBackend> Backends => Contexts.Backends();

    // (Cin, Cout, k, stride, pad, dilation, groups, H, W, batch, relu, residual)
    private static readonly (int Cin, int Cout, int K, int S, int P, int D, int G, int H, int W, int N, bool Relu, bool Res)[] Cases =
    [
        (1, 1, 1, 1, 0, 1, 1, 1, 1, 1, false, false),
        (3, 16, 7, 2, 3, 1, 1, 33, 27, 1, true, false),      // stem-like, odd sizes
        (16, 16, 3, 1, 1, 1, 1, 13, 17, 2, true, true),      // bottleneck 3x3 + residual
        (16, 64, 1, 1, 0, 1, 1, 9, 11, 1, false, true),      // 1x1 pointwise + residual
        (64, 32, 1, 2, 0, 1, 1, 10, 9, 1, true, false),      // 1x1 stride 2 (STRIDE_IN_1X1)
        (8, 12, 3, 2, 1, 1, 4, 15, 14, 1, false, false),     // groups > 1
        (6, 5, 3, 1, 2, 2, 1, 12, 10, 1, true, false),       // dilation
        (7, 9, 5, 3, 2, 1, 1, 19, 23, 3, false, false),      // stride 3, kernel 5
        (5, 19, 3, 1, 1, 1, 1, 40, 37, 1, true, true),       // sizes not multiple of the vector width
        (2, 3, 3, 1, 0, 1, 1, 3, 3, 1, false, false),        // output 1x1
        (32, 40, 3, 2, 1, 1, 1, 20, 21, 1, true, false),
        (24, 70, 3, 1, 1, 1, 1, 30, 45, 2, true, true),      // several column and row tiles
        (5, 6, 3, 1, 0, 1, 1, 9, 8, 1, false, false),        // no padding
        (4, 5, 1, 1, 1, 1, 1, 6, 7, 1, false, false),        // 1x1 with padding
        (3, 8, 5, 1, 3, 2, 1, 11, 12, 1, true, false),       // stride 1, dilation 2, pad 3
        (32, 32, 3, 1, 1, 1, 4, 13, 11, 2, true, false),     // ResNeXt-style grouped 3x3, stride 1
        (64, 64, 3, 2, 1, 1, 32, 9, 10, 1, false, false),    // 32 groups of 2 channels, stride 2
        (16, 32, 1, 1, 0, 1, 4, 7, 9, 1, false, true),       // grouped pointwise + residual
        (8, 12, 3, 1, 1, 1, 1, 7, 7, 9, true, true),         // mask-head-like batch: images share a GEMM (groups of 2 + a single)
        (6, 10, 3, 1, 1, 1, 2, 5, 6, 12, false, false),      // image groups with conv groups
        (3, 8, 7, 2, 3, 1, 1, 20, 101, 1, true, false),      // stem-like, rows wide enough for the 16-lane stride-2 gather
        (16, 24, 1, 2, 0, 1, 1, 6, 90, 1, false, true),      // 1x1 stride 2, wide rows, + residual
    ];

    [Theory]
    [MemberData(nameof(Backends))]
    public void Conv2d_MatchesReference_OnEdgeShapes(GemmBackend backend)
    {
        // Small tiles so that even these shapes span several column and row tiles.
        using var ctx = new CpuContext(2, backend) { ConvTileBytes = 4096 };
        int seed = 1;
        foreach (var c in Cases)
        {
            var spec = new Conv2dSpec(c.Cin, c.Cout, c.K, c.K, c.S, c.S, c.P, c.P, c.D, c.D, c.G, c.Relu);
            float[] w = TestData.Uniform(seed++, spec.WeightLength);
            float[] b = TestData.Uniform(seed++, c.Cout);
            float[] x = TestData.Uniform(seed++, c.N * c.Cin * c.H * c.W);
            (int oh, int ow) = spec.OutputSize(c.H, c.W);
            int outLen = c.N * c.Cout * oh * ow;
            float[] res = c.Res ? TestData.Uniform(seed++, outLen) : [];
            float[] expected = new float[outLen];
            float[] actual = new float[outLen];
            Conv2dReference.Forward(spec, w, b, x, c.N, c.H, c.W, expected, res);
            new Conv2d(spec, w, b).Forward(ctx, x, c.N, c.H, c.W, actual, res);
            TestData.AssertClose(expected, actual, 1e-4f, 1e-4f, $"Conv2d {spec} N={c.N} H={c.H} W={c.W} residual={c.Res} ({backend})");
        }
    }

    // Winograd F(2x2, 3x3) path (forced from 16 channels; the default is 64): 3x3 stride 1, >= 64 output positions.
    // (Cin, Cout, pad, H, W, batch, relu, residual)
    private static readonly (int Cin, int Cout, int P, int H, int W, int N, bool Relu, bool Res)[] WinogradCases =
    [
        (16, 16, 1, 1, 1, 64, true, true),      // 1x1 maps, batch large enough to take the path
        (17, 19, 1, 2, 2, 20, false, true),     // 2x2 maps, one full tile per image
        (21, 18, 1, 3, 5, 8, true, false),      // odd sizes: cropped partial tiles
        (16, 23, 0, 9, 11, 2, true, true),      // no padding, output 7x9
        (19, 17, 1, 7, 9, 2, false, false),     // 7x9 odd
        (33, 41, 1, 7, 9, 2, true, true),       // Cin/Cout not multiples of 8
        (24, 70, 1, 30, 45, 2, true, true),     // many tiles, several chunks
        (16, 16, 2, 8, 6, 1, false, true),      // padding 2
        (64, 32, 1, 14, 14, 5, true, false),    // mask-head-like
        (16, 20, 1, 5, 67, 1, true, true),      // a tile row of 34 tiles: three 16-tile vectors, the last partial
        (256, 256, 1, 6, 5, 2, true, true),     // 256 channels: one full k-block of the packed GEMM
        (300, 20, 1, 6, 7, 2, true, true),      // 300 input channels: U packed in two k-blocks (256 + 44)
    ];

    /// <summary>Every GEMM backend, each with Winograd's AVX-512 tile transforms and with the scalar ones.</summary>
    public static TheoryData<GemmBackend, bool> BackendsAndTransforms()
    {
        var data = new TheoryData<GemmBackend, bool>();
        foreach (GemmBackend backend in Contexts.Available())
        {
            data.Add(backend, true);
            data.Add(backend, false);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(BackendsAndTransforms))]
    public void Conv2d_Winograd_MatchesReference_OnEdgeShapes(GemmBackend backend, bool avx512Transforms)
    {
        using var ctx = new CpuContext(2, backend);
        int seed = 500;
        foreach (var c in WinogradCases)
        {
            var spec = new Conv2dSpec(c.Cin, c.Cout, 3, 3, 1, 1, c.P, c.P, Relu: c.Relu);
            float[] w = TestData.Uniform(seed++, spec.WeightLength);
            float[] b = TestData.Uniform(seed++, c.Cout);
            float[] x = TestData.Uniform(seed++, c.N * c.Cin * c.H * c.W);
            (int oh, int ow) = spec.OutputSize(c.H, c.W);
            int outLen = c.N * c.Cout * oh * ow;
            float[] res = c.Res ? TestData.Uniform(seed++, outLen) : [];
            float[] expected = new float[outLen];
            float[] actual = new float[outLen];
            Conv2dReference.Forward(spec, w, b, x, c.N, c.H, c.W, expected, res);
            var conv = new Conv2d(spec, w, b, winogradMinChannels: 16, avx512Transforms);
            Assert.True(conv.UsesWinograd, $"{spec} should take the Winograd path");
            conv.Forward(ctx, x, c.N, c.H, c.W, actual, res);
            float scale = 1f;
            foreach (float e in expected) scale = MathF.Max(scale, MathF.Abs(e));
            TestData.AssertClose(expected, actual, 1e-4f * scale, 1e-4f, $"Winograd Conv2d {spec} N={c.N} H={c.H} W={c.W} residual={c.Res} ({backend}, AVX-512 transforms {avx512Transforms})");
        }
    }

    [Fact]
    public void Conv2d_And_Linear_WithOpenBlasThreading_MatchReference()
    {
        if (!Contexts.Available().Contains(GemmBackend.OpenBlas)) Assert.Skip("libopenblas.so.0 is not installed (apt-get install libopenblas0-pthread)");
        using var ctx = new CpuContext(2, GemmBackend.OpenBlas, GemmThreading.Blas);
        Assert.Equal(GemmThreading.Blas, ctx.Threading);
        var spec = new Conv2dSpec(16, 24, 3, 3, 2, 2, 1, 1, Relu: true);
        float[] w = TestData.Uniform(41, spec.WeightLength), b = TestData.Uniform(42, 24), x = TestData.Uniform(43, 2 * 16 * 21 * 19);
        (int oh, int ow) = spec.OutputSize(21, 19);
        float[] expected = new float[2 * 24 * oh * ow], actual = new float[expected.Length];
        Conv2dReference.Forward(spec, w, b, x, 2, 21, 19, expected);
        new Conv2d(spec, w, b).Forward(ctx, x, 2, 21, 19, actual);
        TestData.AssertClose(expected, actual, 1e-4f, 1e-4f, $"Conv2d {spec} with OpenBLAS threading");
        float[] lw = TestData.Uniform(44, 64 * 40), lb = TestData.Uniform(45, 40), lx = TestData.Uniform(46, 70 * 64);
        float[] le = new float[70 * 40], la = new float[70 * 40];
        LinearReference.Forward(64, 40, lw, lb, true, lx, 70, le);
        new Linear(64, 40, lw, lb, true).Forward(ctx, lx, 70, la);
        TestData.AssertClose(le, la, 1e-4f, 1e-4f, "Linear 64->40 with OpenBLAS threading");
    }

    [Fact]
    public void Conv2d_NoBias_MatchesReference()
    {
        using var ctx = new CpuContext(2);
        var spec = new Conv2dSpec(4, 6, 3, 3, PadH: 1, PadW: 1);
        float[] w = TestData.Uniform(5, spec.WeightLength), x = TestData.Uniform(6, 4 * 8 * 8);
        float[] expected = new float[6 * 64], actual = new float[6 * 64];
        Conv2dReference.Forward(spec, w, default, x, 1, 8, 8, expected);
        new Conv2d(spec, w, default).Forward(ctx, x, 1, 8, 8, actual);
        TestData.AssertClose(expected, actual, 1e-5f, 1e-5f, "Conv2d without bias");
    }

    [Fact]
    public void Conv2d_RejectsWrongInputLength_NamingTheArgument()
    {
        using var ctx = new CpuContext(1);
        var conv = new Conv2d(new Conv2dSpec(2, 2, 1, 1), new float[4], default);
        var ex = Assert.Throws<ShapeException>(() => conv.Forward(ctx, new float[7], 1, 2, 2, new float[8]));
        Assert.Equal("input", ex.Argument);
        Assert.Contains("length 8", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void ConvTranspose2d_MatchesReference(GemmBackend backend)
    {
        using var ctx = new CpuContext(2, backend);
        (int Cin, int Cout, int K, int S, int P, int H, int W, int N, bool Relu)[] cases =
        [
            (16, 8, 2, 2, 0, 7, 7, 3, true),   // the mask head's deconv shape (2x2 stride 2)
            (3, 5, 3, 2, 1, 5, 4, 2, false),   // overlapping taps + padding
            (1, 1, 1, 1, 0, 1, 1, 1, false),
            (4, 3, 4, 3, 1, 6, 9, 1, true),
        ];
        int seed = 100;
        foreach (var c in cases)
        {
            var spec = new ConvTranspose2dSpec(c.Cin, c.Cout, c.K, c.K, c.S, c.S, c.P, c.P, c.Relu);
            float[] w = TestData.Uniform(seed++, spec.WeightLength), b = TestData.Uniform(seed++, c.Cout);
            float[] x = TestData.Uniform(seed++, c.N * c.Cin * c.H * c.W);
            (int oh, int ow) = spec.OutputSize(c.H, c.W);
            float[] expected = new float[c.N * c.Cout * oh * ow], actual = new float[expected.Length];
            ConvTranspose2dReference.Forward(spec, w, b, x, c.N, c.H, c.W, expected);
            new ConvTranspose2d(spec, w, b).Forward(ctx, x, c.N, c.H, c.W, actual);
            TestData.AssertClose(expected, actual, 1e-5f, 1e-5f, $"ConvTranspose2d {spec} N={c.N} {c.H}x{c.W} ({backend})");
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Linear_MatchesReference(GemmBackend backend)
    {
        using var ctx = new CpuContext(2, backend);
        (int In, int Out, int Rows, bool Relu)[] cases = [(1, 1, 1, false), (37, 19, 5, true), (256, 64, 100, true), (49, 13, 0, false), (300, 7, 33, false), (70, 300, 3, true), (600, 1030, 40, true)];
        int seed = 200;
        foreach (var c in cases)
        {
            float[] w = TestData.Uniform(seed++, c.In * c.Out), b = TestData.Uniform(seed++, c.Out), x = TestData.Uniform(seed++, c.Rows * c.In);
            float[] expected = new float[c.Rows * c.Out], actual = new float[c.Rows * c.Out];
            LinearReference.Forward(c.In, c.Out, w, b, c.Relu, x, c.Rows, expected);
            new Linear(c.In, c.Out, w, b, c.Relu).Forward(ctx, x, c.Rows, actual);
            TestData.AssertClose(expected, actual, 1e-4f, 1e-4f, $"Linear in={c.In} out={c.Out} rows={c.Rows} relu={c.Relu} ({backend})");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public unsafe void ManagedSgemm_BothMicroKernels_MatchNaiveProduct(bool vector512)
    {
        using var ctx = new CpuContext(1, GemmBackend.Managed);
        foreach ((int m, int n, int k) in new[] { (1, 1, 1), (6, 32, 5), (13, 70, 300), (7, 33, 2) })
        {
            float[] a = TestData.Uniform(m + n, m * k), b = TestData.Uniform(k + n, k * n), c = new float[m * n], expected = new float[m * n];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += (double)a[(i * k) + p] * b[(p * n) + j];
                    expected[(i * n) + j] = (float)s;
                }
            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pc = c)
                Gemm.ManagedSgemm.Multiply(ctx, false, false, m, n, k, pa, k, pb, n, pc, n, false, vector512);
            TestData.AssertClose(expected, c, 1e-4f, 1e-4f, $"ManagedSgemm m={m} n={n} k={k} vector512={vector512}");
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Sgemm_AllTransposes_MatchNaiveProduct(GemmBackend backend)
    {
        using var ctx = new CpuContext(1, backend);
        int seed = 300;
        foreach ((int m, int n, int k) in new[] { (1, 1, 1), (7, 17, 3), (6, 16, 256), (13, 33, 300), (130, 50, 20), (5, 2100, 9) })
        foreach (bool ta in new[] { false, true })
        foreach (bool tb in new[] { false, true })
        foreach (bool acc in new[] { false, true })
        {
            float[] a = TestData.Uniform(seed++, m * k), b = TestData.Uniform(seed++, k * n), c0 = TestData.Uniform(seed++, m * n);
            float[] expected = new float[m * n];
            for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = acc ? c0[(i * n) + j] : 0;
                for (int p = 0; p < k; p++)
                    s += (double)(ta ? a[(p * m) + i] : a[(i * k) + p]) * (tb ? b[(j * k) + p] : b[(p * n) + j]);
                expected[(i * n) + j] = (float)s;
            }
            float[] actual = (float[])c0.Clone();
            Sgemm.Multiply(ctx, ta, tb, m, n, k, a, ta ? m : k, b, tb ? k : n, actual, n, acc);
            TestData.AssertClose(expected, actual, 1e-4f, 1e-4f, $"Sgemm m={m} n={n} k={k} tA={ta} tB={tb} acc={acc} ({backend})");
        }
    }
}
