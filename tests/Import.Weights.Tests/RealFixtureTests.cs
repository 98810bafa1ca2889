using System.Security.Cryptography;
using System.Text.Json;
using Detserve.Graph;

namespace Detserve.Import.Weights.Tests;

/// <summary>
/// Files written by real numpy 1.24 and torch 1.13 (tests/Fixtures/weights/make_fixtures.py): every tensor equals
/// the SHA-256, shape and dtype the script recorded in expected.json.
/// </summary>
public sealed class RealFixtureTests
{
    private static string Fixture(string name) => Path.Combine(GoldenPaths.RepositoryRoot, "tests", "Fixtures", "weights", name);

    [Theory]
    [InlineData("numpy_proto0.pkl", "pkl")]
    [InlineData("numpy_proto2.pkl", "pkl")]
    [InlineData("numpy_proto4.pkl", "pkl")]
    [InlineData("numpy_proto5.pkl", "pkl")]
    [InlineData("torch_checkpoint.pth", "pth")]
    [InlineData("torch_state_dict.pth", "pth")]
    public void RealFile_EveryTensor_MatchesWhatNumpyOrTorchWrote(string name, string format)
    {
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Fixture("expected.json")));
        JsonElement tensors = expected.RootElement.GetProperty(name);

        WeightFile file = WeightReader.Load(Fixture(name));

        Assert.Equal(format, file.Format);
        Assert.Equal(tensors.EnumerateObject().Select(t => t.Name).ToList(), file.Tensors.Keys.ToList());
        foreach (JsonProperty t in tensors.EnumerateObject())
        {
            HostTensor actual = file.Tensors[t.Name];
            Assert.Equal(t.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()), actual.Shape);
            Assert.Equal(t.Value.GetProperty("dtype").GetString(), actual.DType.NumpyName());
            Assert.True(Convert.ToHexStringLower(SHA256.HashData(actual.Bytes)) == t.Value.GetProperty("sha256").GetString(), $"{name}: {t.Name} bytes differ");
        }
    }

    [Fact]
    public void ZooLayoutPickle_KeepsAuthorAndFlag()
    {
        WeightFile file = WeightReader.Load(Fixture("numpy_proto2.pkl"));
        Assert.Equal("fixture", file.Author);
        Assert.False(file.MatchingHeuristics);
        Assert.Equal([3, 4], file.Tensors["fortran"].Shape);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (float)i), file.Tensors["fortran"].ToFloat32());
        Assert.Equal([0f, 1f, 2f, 3f], file.Tensors["big_endian"].ToFloat32());
        Assert.Empty(file.Tensors["scalar0d"].Shape);
    }

    [Fact]
    public void NumpyScalar_ReadsAsRankZeroTensor()
    {
        var top = Assert.IsType<PickleDict>(PickleReader.Read(File.ReadAllBytes(Fixture("numpy_proto4.pkl")), "numpy_proto4.pkl"));
        Assert.True(top.TryGetValue("extra", out object? extra));
        var scalar = Assert.IsType<HostTensor>(extra);
        Assert.Empty(scalar.Shape);
        Assert.Equal([1.5f], scalar.ToFloat32());
    }

    [Fact]
    public void TorchCheckpoint_ViewsAreCopiedInCOrder()
    {
        WeightFile file = WeightReader.Load(Fixture("torch_checkpoint.pth"));
        Assert.Equal([6, 4], file.Tensors["backbone.weight_t"].Shape);
        Assert.Equal(0f, file.Tensors["backbone.weight_t"].ToFloat32()[0]);
        Assert.Equal(6f, file.Tensors["backbone.weight_t"].ToFloat32()[1]);
        Assert.Equal([3f, 9f, 15f, 21f], file.Tensors["backbone.col3"].ToFloat32());
        Assert.Empty(file.Tensors["head.count"].Shape);
    }

    [Fact]
    public void LegacyTorchFile_IsRefused()
    {
        var e = Assert.Throws<WeightFileException>(() => WeightReader.Load(Fixture("torch_legacy.pth")));
        Assert.Contains("legacy", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryTruncation_OfARealTorchFile_IsRefused()
    {
        byte[] full = File.ReadAllBytes(Fixture("torch_state_dict.pth"));
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "cut.pth");
        foreach (int n in TruncationPoints(full.Length))
        {
            File.WriteAllBytes(path, full[..n]);
            Assert.Throws<WeightFileException>(() => WeightReader.Load(path));
        }
    }

    /// <summary>
    /// Every cut in the first 64 and last 320 bytes (headers, central directory, end record) and every 7th in between:
    /// each cut is a file write, so all of them would cost seconds without reaching new code.
    /// </summary>
    private static IEnumerable<int> TruncationPoints(int length) =>
        Enumerable.Range(0, length).Where(n => n < 64 || n >= length - 320 || n % 7 == 0);
}
