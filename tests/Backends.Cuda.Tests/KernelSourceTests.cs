using Detserve.Backends.Cuda.Nvrtc;

namespace Detserve.Backends.Cuda.Tests;

public sealed class KernelSourceTests
{
    public static TheoryData<string> Kernels() => new(KernelSource.Available());

    [Fact]
    public void Available_ListsOneFilePerOp()
    {
        var files = KernelSource.Available();
        foreach (string expected in new[] { "preprocess.cu", "max_pool2d.cu", "upsample_nearest_add.cu", "anchors.cu", "box_decode.cu", "roi_align.cu", "paste_masks.cu" })
            Assert.Contains(expected, files);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void EveryKernel_HasTheHeaderContract_AndNoIncludes(string file)
    {
        var source = KernelSource.Load(file);
        Assert.StartsWith("// " + file + ":", source.Text, StringComparison.Ordinal);
        Assert.Contains("// Layout:", source.Text, StringComparison.Ordinal);
        Assert.Contains("// Mapping:", source.Text, StringComparison.Ordinal);
        Assert.Contains("CPU reference:", source.Text, StringComparison.Ordinal);
        Assert.Contains("extern \"C\" __global__", source.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("#include", source.Text, StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{64}$", source.Hash);
    }

    [Fact]
    public void Load_UnknownKernel_ListsWhatExists()
    {
        var e = Assert.Throws<CudaException>(() => KernelSource.Load("nope.cu"));
        Assert.Contains("nope.cu", e.Message, StringComparison.Ordinal);
        Assert.Contains("max_pool2d.cu", e.Message, StringComparison.Ordinal);
    }
}
