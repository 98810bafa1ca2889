using Detserve.Backends.Cpu;
using Detserve.Graph;
using Detserve.Runtime.Cuda;

namespace Detserve.Backends.Cuda.Tests.Runtime;

/// <summary>The mask head's transposed conv as a GEMM + depth-to-space: the same numbers as ConvTranspose2d, on the host.</summary>
public sealed class DeconvAsGemmTests
{
    [Theory]
    [InlineData(2, 3, 4, 5, 2)]
    [InlineData(1, 8, 6, 3, 3)]
    public void GemmWeights_WithDepthToSpace_EqualTheTransposedConvolution(int batch, int cin, int cout, int size, int k)
    {
        var rng = new Random(cin * 10 + cout);
        float[] w = Enumerable.Range(0, cin * cout * k * k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] b = Enumerable.Range(0, cout).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] x = Enumerable.Range(0, batch * cin * size * size).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(); // NCHW
        var a = new ConvTranspose2dAttributes(cin, cout, k, k, k, k, 0, 0, w, b, Relu: true);
        Assert.True(DeconvAsGemm.Applies(a, nhwcHalf: true));
        Assert.False(DeconvAsGemm.Applies(a, nhwcHalf: false));
        Assert.False(DeconvAsGemm.Applies(a with { PadH = 1 }, nhwcHalf: true));

        int outSize = size * k;
        var expected = new float[batch * cout * outSize * outSize];
        using (var cpu = new CpuContext(1))
            new ConvTranspose2d(new ConvTranspose2dSpec(cin, cout, k, k, k, k, 0, 0, Relu: true), w, b).Forward(cpu, x, batch, size, size, expected);

        (float[] gw, float[]? gb) = DeconvAsGemm.GemmWeights(a);
        int cols = k * k * cout;
        for (int n = 0; n < batch; n++)
            for (int y = 0; y < size; y++)
                for (int xx = 0; xx < size; xx++)
                    for (int col = 0; col < cols; col++)
                    {
                        double sum = gb![col];
                        for (int c = 0; c < cin; c++) sum += (double)gw[col * cin + c] * x[((n * cin + c) * size + y) * size + xx];
                        float v = (float)Math.Max(sum, 0);
                        // depth to space: column (i, j, o) of row (n, y, x) -> output (n, o, y * k + i, x * k + j)
                        int i = col / (k * cout), j = col / cout % k, o = col % cout;
                        float e = expected[((n * cout + o) * outSize + (y * k) + i) * outSize + (xx * k) + j];
                        Assert.True(Math.Abs(e - v) <= 1e-5f * (1 + Math.Abs(e)), $"n={n} y={y} x={xx} (i, j, o)=({i}, {j}, {o}): {v} vs {e}");
                    }
    }
}
