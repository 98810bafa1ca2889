using System.Text.Json;

namespace Detserve.Cli.Tests;

[Collection("console")]
public sealed class InspectCommandTests
{
    [Fact]
    public async Task Inspect_SampleModel_PrintsArchitectureAndWeightsOk()
    {
        var (code, stdout, _) = await CliRunner.RunAsync("inspect", "--config", Paths.SampleConfig, "--weights", Paths.SampleWeights);
        Assert.Equal(0, code);
        Assert.Contains("Mask R-CNN (GeneralizedRCNN), 3 classes", stdout);
        Assert.Contains("ResNet-50 BottleneckBlock, norm FrozenBN", stdout);
        Assert.Contains("p6 (stride 64)", stdout);
        Assert.Contains("2,778,898 values in 307 tensors", stdout);
        Assert.Contains(": OK", stdout);
    }

    [Fact]
    public async Task Inspect_Json_IsMachineReadable()
    {
        var (code, stdout, _) = await CliRunner.RunAsync("inspect", "--config", Paths.SampleConfig, "--weights", Paths.SampleWeights, "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(3, doc.RootElement.GetProperty("num_classes").GetInt32());
        Assert.Equal(2778898, doc.RootElement.GetProperty("parameter_count").GetInt64());
        Assert.Equal("ok", doc.RootElement.GetProperty("weights").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Inspect_NumClassesOverride_FailsCheckNamingTensorAndKey()
    {
        var (code, stdout, _) = await CliRunner.RunAsync("inspect", "--config", Paths.SampleConfig, "--weights", Paths.SampleWeights,
            "MODEL.ROI_HEADS.NUM_CLASSES", "5");
        Assert.Equal(1, code);
        Assert.Contains("roi_heads.box_predictor.cls_score.weight is [4, 256] but MODEL.ROI_HEADS.NUM_CLASSES=5 needs [6, 256]", stdout);
    }

    [Fact]
    public async Task Inspect_DumpConfig_PrintsResolvedYaml()
    {
        var (code, stdout, _) = await CliRunner.RunAsync("inspect", "--config", Paths.SampleConfig, "--dump-config", "INPUT.MIN_SIZE_TEST", "640");
        Assert.Equal(0, code);
        Assert.Contains("MIN_SIZE_TEST: 640", stdout);
        Assert.Contains("NUM_CLASSES: 3", stdout);
    }

    [Fact]
    public async Task Inspect_UnknownKey_IsAnErrorNamingTheKey()
    {
        var (code, _, stderr) = await CliRunner.RunAsync("inspect", "--config", Paths.SampleConfig, "MODEL.NO_SUCH_KEY", "1");
        Assert.Equal(2, code);
        Assert.Contains("MODEL.NO_SUCH_KEY", stderr);
    }

    [Fact]
    public async Task Inspect_MissingConfig_IsAnErrorNamingTheFile()
    {
        var (code, _, stderr) = await CliRunner.RunAsync("inspect", "--config", "/nonexistent/cfg.yaml");
        Assert.Equal(2, code);
        Assert.Contains("/nonexistent/cfg.yaml", stderr);
    }
}
