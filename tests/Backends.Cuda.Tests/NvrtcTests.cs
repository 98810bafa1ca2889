using Detserve.Backends.Cuda.Nvrtc;

namespace Detserve.Backends.Cuda.Tests;

public sealed class NvrtcTests
{
    [Fact]
    public void ToArguments_ArchStandardExactMathThenDefinesAndIncludesInOrder()
    {
        var options = new NvrtcOptions("sm_90").Define("OUT_HALF", 1).Define("BLOCK", "256").Include("/usr/local/cuda/include");
        Assert.Equal(
            ["--gpu-architecture=sm_90", "--std=c++17", "--fmad=false", "--generate-line-info", "-DOUT_HALF=1", "-DBLOCK=256", "-I/usr/local/cuda/include"],
            options.ToArguments());
        Assert.Equal("OUT_HALF=1 BLOCK=256", options.DefinesText);
    }

    [Fact]
    public void Define_Float_IsBitExact()
    {
        var options = new NvrtcOptions("sm_90").Define("MEAN", 103.53f);
        Assert.Equal($"-DMEAN=__int_as_float(0x{BitConverter.SingleToUInt32Bits(103.53f):x8})", options.ToArguments()[^1]);
    }

    [Theory]
    [InlineData("9BAD")]
    [InlineData("A-B")]
    [InlineData("")]
    public void Define_InvalidMacroName_Throws(string name)
    {
        Assert.Throws<ArgumentException>(() => new NvrtcOptions("sm_90").Define(name, "1"));
    }

    [Theory]
    [InlineData("compute_90")]
    [InlineData("sm9")]
    [InlineData("sm_90; rm -rf")]
    public void ToArguments_InvalidArch_Throws(string arch)
    {
        Assert.Throws<ArgumentException>(() => new NvrtcOptions(arch).ToArguments());
    }

    [Fact]
    public void Options_EqualByValue()
    {
        Assert.Equal(new NvrtcOptions("sm_90").Define("A", 1), new NvrtcOptions("sm_90").Define("A", 1));
        Assert.NotEqual(new NvrtcOptions("sm_90").Define("A", 1), new NvrtcOptions("sm_90").Define("A", 2));
        Assert.Equal(new NvrtcOptions("sm_90").Define("A", 1).GetHashCode(), new NvrtcOptions("sm_90").Define("A", 1).GetHashCode());
    }

    [Fact]
    public void CacheKey_ChangesWithSourceArchOptionsAndCompiler()
    {
        var source = new KernelSource("k.cu", "extern \"C\" __global__ void k() {}");
        var options = new NvrtcOptions("sm_90");
        var key = NvrtcCacheKey.For(source, options, "13.0");
        Assert.Equal(key, NvrtcCacheKey.For(source with { }, new NvrtcOptions("sm_90"), "13.0"));
        string[] digests =
        [
            key.Digest(),
            NvrtcCacheKey.For(source with { Text = source.Text + " " }, options, "13.0").Digest(),
            NvrtcCacheKey.For(source, new NvrtcOptions("sm_80"), "13.0").Digest(),
            NvrtcCacheKey.For(source, options.Define("X", 1), "13.0").Digest(),
            NvrtcCacheKey.For(source, options, "13.1").Digest(),
        ];
        Assert.Equal(digests.Length, digests.Distinct().Count());
        Assert.Matches("^k\\.sm_90\\.[0-9a-f]{32}\\.cubin$", key.FileName);
    }

    [Fact]
    public void Cache_WriteThenRead_RoundTrips_AndDisabledCacheNeverHits()
    {
        string dir = Path.Combine(Path.GetTempPath(), "detserve-nvrtc-cache-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var cache = new NvrtcCache(new NvrtcCacheOptions(dir));
            var key = NvrtcCacheKey.For(new KernelSource("a.cu", "x"), new NvrtcOptions("sm_90"), "13.0");
            Assert.Null(cache.TryRead(key));
            byte[] cubin = [0x7f, 0x45, 0x4c, 0x46, 1, 2, 3];
            cache.Write(key, cubin);
            Assert.Equal(cubin, cache.TryRead(key));
            Assert.Single(Directory.GetFiles(dir));
            var disabled = new NvrtcCache(new NvrtcCacheOptions(null));
            disabled.Write(key, cubin);
            Assert.Null(disabled.TryRead(key));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void CacheOptions_Default_IsUnderTheUserCache()
    {
        Assert.EndsWith(Path.Combine(".cache", "detserve", "nvrtc"), NvrtcCacheOptions.Default.Directory, StringComparison.Ordinal);
    }
}
