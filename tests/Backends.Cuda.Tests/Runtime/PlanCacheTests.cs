using Detserve.Runtime.Cuda;

namespace Detserve.Backends.Cuda.Tests.Runtime;

/// <summary>Shape bucketing (ImageList.from_tensors padding) and the bounded plan / graph cache.</summary>
public sealed class PlanCacheTests
{
    private sealed class Probe(List<string> disposed, string name) : IDisposable
    {
        public string Name { get; } = name;

        public void Dispose() => disposed.Add(Name);
    }

    [Fact]
    public void PlanKey_PadsTheBatchMaximum_ToTheSizeDivisibility()
    {
        Assert.Equal(new PlanKey(3, 800, 1088), PlanKey.For([(800, 1066), (600, 800), (427, 640)], 32));
        Assert.Equal(new PlanKey(1, 96, 96), PlanKey.For([(96, 64 + 1)], 32));
        Assert.Equal(new PlanKey(1, 1344, 1344), PlanKey.For([(1344, 1344)], 32));
        Assert.Equal(new PlanKey(2, 97, 65), PlanKey.For([(97, 10), (5, 65)], 0));
    }

    [Fact]
    public void PlanKey_RefusesEmptyBatchesAndEmptyImages()
    {
        Assert.Throws<ArgumentException>(() => PlanKey.For([], 32));
        Assert.Contains("0x5", Assert.Throws<ArgumentException>(() => PlanKey.For([(0, 5)], 32)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BoundedCache_EvictsAndDisposesTheLeastRecentlyUsed()
    {
        var disposed = new List<string>();
        using var cache = new BoundedCache<int, Probe>(2);
        int made = 0;
        Probe Make(int k)
        {
            made++;
            return new Probe(disposed, "v" + k);
        }
        Assert.Equal("v1", cache.GetOrAdd(1, Make).Name);
        Assert.Equal("v2", cache.GetOrAdd(2, Make).Name);
        Assert.Equal("v1", cache.GetOrAdd(1, Make).Name); // refreshes 1: 2 is now the oldest
        Assert.Equal(2, made);
        cache.GetOrAdd(3, Make);
        Assert.Equal(["v2"], disposed);
        Assert.True(cache.Contains(1));
        Assert.False(cache.Contains(2));
        Assert.Equal(2, cache.Count);
        cache.Dispose();
        Assert.Equal(["v2", "v3", "v1"], disposed);
    }

    [Fact]
    public void BoundedCache_RefusesAZeroCapacity() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new BoundedCache<int, Probe>(0));

    [Theory]
    [InlineData("fp32", "fp32")]
    [InlineData("FP16", "fp16")]
    public void Precision_IsParsedByName(string text, string canonical) => Assert.Equal(canonical, GpuPrecisionName.Name(GpuPrecisionName.Parse(text)));

    [Fact]
    public void Precision_UnknownWords_AreRefusedByName() =>
        Assert.Contains("'bf16'", Assert.Throws<NotSupportedException>(() => GpuPrecisionName.Parse("bf16")).Message, StringComparison.Ordinal);
}
