using Detserve.Runtime.Cuda;

namespace Detserve.Backends.Cuda.Tests.Runtime;

/// <summary>The box head's fc1 on NHWC ROI features: permuted columns give the same product as PyTorch's NCHW flatten.</summary>
public sealed class ChannelsLastWeightTests
{
    [Theory]
    [InlineData(3, 4, 9)]
    [InlineData(1, 256, 49)]
    [InlineData(5, 1, 1)]
    public void PermutedWeight_TimesNhwcFlatten_EqualsWeight_TimesNchwFlatten(int rows, int channels, int plane)
    {
        var rng = new Random(rows * 100 + channels);
        float[] w = Enumerable.Range(0, rows * channels * plane).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] x = Enumerable.Range(0, channels * plane).Select(_ => (float)rng.NextDouble()).ToArray(); // (c, p) order
        var xNhwc = new float[x.Length];
        for (int c = 0; c < channels; c++)
            for (int p = 0; p < plane; p++) xNhwc[p * channels + c] = x[c * plane + p];
        float[] wp = GpuNetworkWeights.PermuteColumnsToChannelsLast(w, rows, channels, plane);
        for (int r = 0; r < rows; r++)
        {
            // Same terms in a different order: compare as sums of exactly the same products, in double.
            double expected = 0, actual = 0;
            for (int i = 0; i < x.Length; i++)
            {
                expected += (double)w[r * x.Length + i] * x[i];
                actual += (double)wp[r * x.Length + i] * xNhwc[i];
            }
            Assert.Equal(expected, actual, 9);
        }
        Assert.Equal(w.Order(), wp.Order()); // a permutation: nothing lost or duplicated
    }

    [Fact]
    public void Permute_RefusesAWeightOfTheWrongSize() =>
        Assert.Throws<ArgumentException>(() => GpuNetworkWeights.PermuteColumnsToChannelsLast(new float[10], 2, 3, 2));
}
