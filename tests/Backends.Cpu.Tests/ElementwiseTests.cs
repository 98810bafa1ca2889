using Detserve.Backends.Cpu.Reference;

namespace Detserve.Backends.Cpu.Tests;

public class ElementwiseTests
{
    [Theory]
    [InlineData(1, 1, 1, 1, 3, 2, 1)]    // stem max-pool on a 1x1 map
    [InlineData(2, 3, 17, 23, 3, 2, 1)]  // stem max-pool, odd sizes
    [InlineData(1, 4, 25, 34, 1, 2, 0)]  // LastLevelMaxPool: kernel 1 stride 2
    [InlineData(1, 2, 8, 8, 2, 2, 0)]
    public void MaxPool2d_MatchesReference(int n, int c, int h, int w, int k, int s, int p)
    {
        using var ctx = new CpuContext(2);
        float[] x = TestData.Uniform(h * w, n * c * h * w);
        x[0] = float.NaN;
        (int oh, int ow) = MaxPool2d.OutputSize(h, w, k, s, p);
        float[] expected = new float[n * c * oh * ow], actual = new float[expected.Length];
        MaxPool2dReference.Forward(x, n, c, h, w, k, s, p, expected);
        MaxPool2d.Forward(ctx, x, n, c, h, w, k, s, p, actual);
        TestData.AssertClose(expected, actual, 0f, 0f, $"MaxPool2d {n}x{c}x{h}x{w} k={k} s={s} p={p}");
        Assert.True(float.IsNaN(actual[0]), "NaN in the first window must win (PyTorch's isnan rule)");
    }

    [Fact]
    public void MaxPool2d_OutputSize_IsFloorMode()
    {
        Assert.Equal((200, 272), MaxPool2d.OutputSize(400, 544, 3, 2, 1));
        Assert.Equal((13, 17), MaxPool2d.OutputSize(25, 34, 1, 2, 0));
        Assert.Throws<ShapeException>(() => MaxPool2d.OutputSize(10, 10, 3, 2, 2));
    }

    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(2, 3, 5, 7)]
    [InlineData(1, 64, 25, 34)]
    public void UpsampleNearest_MatchesReference(int n, int c, int h, int w)
    {
        using var ctx = new CpuContext(2);
        float[] top = TestData.Uniform(1, n * c * h * w), lateral = TestData.Uniform(2, n * c * 4 * h * w);
        float[] expected = new float[lateral.Length], actual = new float[lateral.Length];
        UpsampleNearestReference.Forward2xAdd(top, lateral, n, c, h, w, expected);
        UpsampleNearest.Forward2xAdd(ctx, top, lateral, n, c, h, w, actual);
        TestData.AssertClose(expected, actual, 0f, 0f, $"UpsampleNearest {n}x{c}x{h}x{w}");
    }

    [Fact]
    public void Softmax_MatchesReference_AndSurvivesLargeLogits()
    {
        float[] x = TestData.Uniform(3, 7 * 81, -20f, 20f);
        x[5] = 500f; // would overflow exp without the max subtraction
        float[] y = new float[x.Length];
        Activations.SoftmaxRows(x, 7, 81, y);
        for (int r = 0; r < 7; r++)
            TestData.AssertClose(ActivationsReference.Softmax(x.AsSpan(r * 81, 81)), y.AsSpan(r * 81, 81), 1e-6f, 1e-5f, $"Softmax row {r}");
    }

    [Fact]
    public void Sigmoid_MatchesReference()
    {
        float[] x = TestData.Uniform(4, 1000, -30f, 30f);
        float[] y = new float[1000];
        Activations.Sigmoid(x, y);
        TestData.AssertClose(x.Select(ActivationsReference.Sigmoid).ToArray(), y, 1e-7f, 1e-6f, "Sigmoid");
    }
}
