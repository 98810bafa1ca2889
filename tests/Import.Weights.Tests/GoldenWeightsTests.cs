using System.Security.Cryptography;
using System.Text.Json;
using Detserve.Graph;

namespace Detserve.Import.Weights.Tests;

/// <summary>The golden zoo-format .pkl files load with every tensor equal to what Detectron2 saved (checksums.json).</summary>
public sealed class GoldenWeightsTests
{
    [Theory]
    [InlineData("mask_rcnn_R_50_FPN_narrow", 307)]
    [InlineData("retinanet_R_50_FPN_narrow", 301)]
    public void GoldenPkl_EveryTensor_MatchesChecksumShapeAndDtype(string model, int tensorCount)
    {
        string path = GoldenPaths.Model(model);
        Assert.True(File.Exists(path), $"golden model missing: {path} (set GOLDEN_DIR)");
        using JsonDocument checksums = JsonDocument.Parse(File.ReadAllText(Path.Combine(GoldenPaths.Root, "models", "checksums.json")));
        JsonElement expected = checksums.RootElement.GetProperty(model);

        WeightFile file = WeightReader.Load(path);

        Assert.Equal("pkl", file.Format);
        Assert.Equal("refkit", file.Author);
        Assert.False(file.MatchingHeuristics);
        Assert.Equal(tensorCount, file.Tensors.Count);
        Assert.Equal(expected.GetProperty("num_tensors").GetInt32(), file.Tensors.Count);
        long values = 0;
        var expectedNames = new List<string>();
        foreach (JsonProperty tensor in expected.GetProperty("tensors").EnumerateObject())
        {
            expectedNames.Add(tensor.Name);
            Assert.True(file.Tensors.TryGetValue(tensor.Name, out HostTensor? actual), $"{tensor.Name} missing");
            int[] shape = tensor.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            Assert.True(shape.SequenceEqual(actual!.Shape), $"{tensor.Name}: shape {actual.ShapeText} != [{string.Join(", ", shape)}]");
            Assert.Equal(tensor.Value.GetProperty("dtype").GetString(), actual.DType.NumpyName());
            string sha = Convert.ToHexStringLower(SHA256.HashData(actual.Bytes));
            Assert.True(sha == tensor.Value.GetProperty("sha256").GetString(), $"{tensor.Name}: sha256 {sha} differs");
            values += actual.ElementCount;
        }
        Assert.Equal(expected.GetProperty("num_values").GetInt64(), values);
        // The file's order is Detectron2's state_dict order; keep it.
        Assert.Equal(expectedNames, file.Tensors.Keys.ToList());
    }
}
