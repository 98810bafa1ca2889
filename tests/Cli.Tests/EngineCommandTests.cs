using System.Text.Json;

namespace Detserve.Cli.Tests;

/// <summary>detserve build and --engine on infer, eval, bench and inspect: an engine gives exactly what its config and weights give.</summary>
[Collection("console")]
public sealed class EngineCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("detserve-engine-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<string> BuildAsync(string name, params string[] extra)
    {
        string engine = Path.Combine(_dir, name);
        var (code, stdout, stderr) = await CliRunner.RunAsync(["build", "--config", Paths.SampleConfig, "--weights", Paths.SampleWeights, "--output", engine, .. extra]);
        Assert.True(code == 0, stderr);
        Assert.Contains("GeneralizedRCNN, 3 classes, masks, fp32", stdout, StringComparison.Ordinal);
        Assert.Contains("[build] wrote", stderr, StringComparison.Ordinal);
        return engine;
    }

    [Fact]
    public async Task Infer_with_an_engine_writes_what_config_and_weights_write()
    {
        string engine = await BuildAsync("m.engine", "--max-batch", "2");
        string input = Path.Combine(Paths.Sample, "images");
        string[] common = ["--input", input, "--no-visualize", "--score-threshold", "0.3", "INPUT.MIN_SIZE_TEST", "320"];
        var fromFiles = await CliRunner.RunAsync(["infer", "--config", Paths.SampleConfig, "--weights", Paths.SampleWeights, "--output", Path.Combine(_dir, "a"), .. common]);
        var fromEngine = await CliRunner.RunAsync(["infer", "--engine", engine, "--output", Path.Combine(_dir, "b"), .. common]);
        Assert.True(fromFiles.ExitCode == 0, fromFiles.Stderr);
        Assert.True(fromEngine.ExitCode == 0, fromEngine.Stderr);
        string tsv = File.ReadAllText(Path.Combine(_dir, "a", "detections.tsv"));
        Assert.True(tsv.Split('\n').Length > 3);
        Assert.Equal(tsv, File.ReadAllText(Path.Combine(_dir, "b", "detections.tsv")));
        Assert.Equal(File.ReadAllText(Path.Combine(_dir, "a", "coco_results.json")), File.ReadAllText(Path.Combine(_dir, "b", "coco_results.json")));
    }

    [Fact]
    public async Task Inspect_shows_the_build_and_the_architecture()
    {
        string engine = await BuildAsync("m.engine", "--max-batch", "4", "--shape-buckets", "512x512", "MODEL.ROI_HEADS.SCORE_THRESH_TEST", "0.25");
        var (code, stdout, stderr) = await CliRunner.RunAsync("inspect", "--engine", engine);
        Assert.True(code == 0, stderr);
        Assert.Contains("build     fp32, max batch 4, shape buckets 512x512", stdout, StringComparison.Ordinal);
        Assert.Contains("overrides MODEL.ROI_HEADS.SCORE_THRESH_TEST 0.25", stdout, StringComparison.Ordinal);
        Assert.Contains("graph     dense:", stdout, StringComparison.Ordinal);
        Assert.Contains("(GeneralizedRCNN), 3 classes", stdout, StringComparison.Ordinal);
        Assert.Contains("compiled into the engine", stdout, StringComparison.Ordinal);

        (code, stdout, _) = await CliRunner.RunAsync("inspect", "--engine", engine, "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(4, doc.RootElement.GetProperty("engine").GetProperty("max_batch").GetInt32());
        Assert.True(doc.RootElement.GetProperty("graphs").GetProperty("mask_head").GetProperty("ConvTranspose2d").GetInt32() == 1);

        (code, stdout, _) = await CliRunner.RunAsync("inspect", "--engine", engine, "--dump-config", "INPUT.MIN_SIZE_TEST", "320");
        Assert.Equal(0, code);
        Assert.Contains("SCORE_THRESH_TEST: 0.25", stdout, StringComparison.Ordinal);
        Assert.Contains("MIN_SIZE_TEST: 320", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_and_bench_take_an_engine()
    {
        string engine = await BuildAsync("m.engine", "--max-batch", "2");
        string json = Path.Combine(_dir, "bench.json");
        var (code, stdout, stderr) = await CliRunner.RunAsync("bench", "--engine", engine, "--size", "128x160", "--batch", "2", "--iterations", "1", "--warmup", "0", "--json", json);
        Assert.True(code == 0, stderr);
        Assert.Contains("=== 128x160 batch 2", stdout, StringComparison.Ordinal);
        using (var doc = JsonDocument.Parse(File.ReadAllText(json)))
        {
            Assert.Equal(engine, doc.RootElement.GetProperty("config").GetString());
            Assert.Equal(Paths.SampleWeights, doc.RootElement.GetProperty("weights").GetString());
        }

        (code, _, stderr) = await CliRunner.RunAsync("bench", "--engine", engine, "--size", "128x160", "--batch", "3", "--iterations", "1");
        Assert.Equal(2, code);
        Assert.Contains("--max-batch 2", stderr, StringComparison.Ordinal);

        string annotations = Path.Combine(Paths.Golden, "shapes_test", "annotations.json");
        string images = Path.Combine(Paths.Golden, "shapes_test");
        string a = Path.Combine(_dir, "a.json"), b = Path.Combine(_dir, "b.json");
        (code, _, stderr) = await CliRunner.RunAsync("eval", "--engine", engine, "--images", images, "--annotations", annotations, "--json", a, "INPUT.MIN_SIZE_TEST", "320");
        Assert.True(code == 0, stderr);
        (code, _, stderr) = await CliRunner.RunAsync("eval", "--config", Paths.SampleConfig, "--weights", Paths.SampleWeights, "--images", images, "--annotations", annotations,
            "--json", b, "INPUT.MIN_SIZE_TEST", "320");
        Assert.True(code == 0, stderr);
        Assert.Equal(File.ReadAllText(b), File.ReadAllText(a));
        Assert.Contains("\"segm\"", File.ReadAllText(a), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Model_option_mistakes_are_usage_errors()
    {
        string engine = await BuildAsync("m.engine");
        string output = Path.Combine(_dir, "out");
        string images = Path.Combine(Paths.Sample, "images");
        var both = await CliRunner.RunAsync("infer", "--engine", engine, "--config", Paths.SampleConfig, "--input", images, "--output", output);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("not both", both.Stderr, StringComparison.Ordinal);
        var weights = await CliRunner.RunAsync("infer", "--engine", engine, "--weights", Paths.SampleWeights, "--input", images, "--output", output);
        Assert.Contains("an engine holds its weights", weights.Stderr, StringComparison.Ordinal);
        var none = await CliRunner.RunAsync("infer", "--input", images, "--output", output);
        Assert.Contains("infer needs a model", none.Stderr, StringComparison.Ordinal);
        var fixedKey = await CliRunner.RunAsync("infer", "--engine", engine, "--input", images, "--output", output, "MODEL.FPN.OUT_CHANNELS", "64");
        Assert.Equal(2, fixedKey.ExitCode);
        Assert.Contains("MODEL.FPN.OUT_CHANNELS is fixed when the engine is built", fixedKey.Stderr, StringComparison.Ordinal);
        var badBuckets = await CliRunner.RunAsync("infer", "--engine", engine, "--input", images, "--output", output, "--shape-buckets", "800x");
        Assert.Equal(2, badBuckets.ExitCode);
        Assert.Contains("--shape-buckets: shape bucket '800x'", badBuckets.Stderr, StringComparison.Ordinal);
        var notEngine = await CliRunner.RunAsync("infer", "--engine", Paths.SampleConfig, "--input", images, "--output", output);
        Assert.Contains("not a Detserve engine file", notEngine.Stderr, StringComparison.Ordinal);
        var noWeights = await CliRunner.RunAsync("build", "--config", Paths.SampleConfig, "--seeded-weights", "1", "--weights", Paths.SampleWeights, "-o", Path.Combine(_dir, "x.engine"));
        Assert.Contains("--seeded-weights replaces --weights", noWeights.Stderr, StringComparison.Ordinal);
    }
}
