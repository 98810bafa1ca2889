using Detserve.Graph;

namespace Detserve.Import.Weights.Tests;

/// <summary>.pkl layouts as DetectionCheckpointer._load_file tells them apart.</summary>
public sealed class PklLayoutTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string WritePkl(PickleDict top) => _dir.Write("w.pkl", TestPickleWriter.Write(top, 4));

    private static HostTensor T() => HostTensor.FromFloat32([2], [1f, 2f]);

    [Fact]
    public void ZooFormat_KeepsAuthorAndHeuristicsFlag()
    {
        var model = new PickleDict();
        model.Set("a.weight", T());
        var top = new PickleDict();
        top.Set("model", model);
        top.Set("__author__", "Detectron2 Model Zoo");
        top.Set("matching_heuristics", true);
        WeightFile file = WeightReader.Load(WritePkl(top));
        Assert.Equal("Detectron2 Model Zoo", file.Author);
        Assert.True(file.MatchingHeuristics);
        Assert.False(file.IsCaffe2);
    }

    [Fact]
    public void PlainDictOfArrays_IsCaffe2Blobs_WithoutMomentum()
    {
        var top = new PickleDict();
        top.Set("conv1_w", T());
        top.Set("conv1_w_momentum", T());
        WeightFile file = WeightReader.Load(WritePkl(top));
        Assert.Equal("Caffe2", file.Author);
        Assert.True(file.MatchingHeuristics);
        Assert.Equal(["conv1_w"], file.Tensors.Keys.ToList());
    }

    [Fact]
    public void BlobsDict_IsUnwrapped()
    {
        var blobs = new PickleDict();
        blobs.Set("fc6_w", T());
        var top = new PickleDict();
        top.Set("blobs", blobs);
        top.Set("cfg", "a Detectron1 config string");
        WeightFile file = WeightReader.Load(WritePkl(top));
        Assert.Equal(["fc6_w"], file.Tensors.Keys.ToList());
    }

    [Fact]
    public void ModelWithoutAuthor_IsRefusedWithAHint()
    {
        var model = new PickleDict();
        model.Set("a.weight", T());
        var top = new PickleDict();
        top.Set("model", model);
        var e = Assert.Throws<WeightFileException>(() => WeightReader.Load(WritePkl(top)));
        Assert.Contains("__author__", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonArrayValue_IsRefusedNamingTheKey()
    {
        var model = new PickleDict();
        model.Set("a.weight", T());
        model.Set("a.step", 3L);
        var top = new PickleDict();
        top.Set("model", model);
        top.Set("__author__", "x");
        var e = Assert.Throws<WeightFileException>(() => WeightReader.Load(WritePkl(top)));
        Assert.Contains("'model'['a.step'] is a int", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TopLevelNotADict_IsRefused()
    {
        string path = _dir.Write("list.pkl", TestPickleWriter.Write(new List<object?> { 1L }, 2));
        var e = Assert.Throws<WeightFileException>(() => WeightReader.Load(path));
        Assert.Contains("holds a list", e.Message, StringComparison.Ordinal);
    }
}
