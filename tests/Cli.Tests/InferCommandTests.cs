using System.Text.Json;

namespace Detserve.Cli.Tests;

[Collection("console")]
public sealed class InferCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("detserve-infer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Infer_FolderWithOneBrokenImage_ReportsItAndFinishesTheOthers()
    {
        string input = Path.Combine(_dir, "in");
        string output = Path.Combine(_dir, "out");
        Directory.CreateDirectory(input);
        File.Copy(Path.Combine(Paths.Sample, "images", "t07_427x640.png"), Path.Combine(input, "a.png"));
        File.WriteAllBytes(Path.Combine(input, "b.png"), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]);
        File.WriteAllText(Path.Combine(input, "notes.txt"), "not an image, skipped by extension");

        // A small test resolution keeps this fast; everything else is the sample model as shipped.
        var (code, stdout, stderr) = await CliRunner.RunAsync("infer", "--config", Paths.SampleConfig, "--weights", Paths.SampleWeights,
            "--class-names", Path.Combine(Paths.Sample, "class_names.txt"), "--input", input, "--output", output,
            "--score-threshold", "0.5", "INPUT.MIN_SIZE_TEST", "320");

        Assert.Equal(1, code);
        Assert.Contains("1 of 2 images", stdout);
        Assert.Contains("b.png", stderr);
        Assert.True(File.Exists(Path.Combine(output, "a.png")));
        Assert.False(File.Exists(Path.Combine(output, "b.png")));

        string[] tsv = File.ReadAllLines(Path.Combine(output, "detections.tsv"));
        Assert.Equal("image\tclass_id\tclass_name\tscore\tx1\ty1\tx2\ty2\tmask_area", tsv[0]);
        Assert.True(tsv.Length > 1, "the sample image has objects");
        foreach (string row in tsv.Skip(1))
        {
            string[] f = row.Split('\t');
            Assert.Equal(9, f.Length);
            Assert.Equal("a.png", f[0]);
            Assert.Contains(f[2], new[] { "ellipse", "rectangle", "triangle" });
            Assert.True(double.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture) > 0.5);
            Assert.True(long.Parse(f[8], System.Globalization.CultureInfo.InvariantCulture) > 0);
        }

        using var coco = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "coco_results.json")));
        Assert.Equal(tsv.Length - 1, coco.RootElement.GetArrayLength());
        JsonElement first = coco.RootElement[0];
        Assert.Equal(1, first.GetProperty("image_id").GetInt64());
        Assert.Equal(4, first.GetProperty("bbox").GetArrayLength());
        Assert.Equal(640, first.GetProperty("segmentation").GetProperty("size")[0].GetInt32());
        Assert.Equal(427, first.GetProperty("segmentation").GetProperty("size")[1].GetInt32());
        Assert.False(string.IsNullOrEmpty(first.GetProperty("segmentation").GetProperty("counts").GetString()));
    }

    [Fact]
    public async Task Infer_OutputIsTheInputFolder_NeverOverwritesAnInput()
    {
        string folder = Path.Combine(_dir, "same");
        Directory.CreateDirectory(folder);
        string image = Path.Combine(folder, "a.png");
        File.Copy(Path.Combine(Paths.Sample, "images", "t07_427x640.png"), image);
        byte[] before = File.ReadAllBytes(image);

        var (code, _, _) = await CliRunner.RunAsync("infer", "--config", Paths.SampleConfig, "--weights", Paths.SampleWeights,
            "--input", image, "--output", folder, "INPUT.MIN_SIZE_TEST", "160");

        Assert.Equal(0, code);
        Assert.Equal(before, File.ReadAllBytes(image));
        Assert.True(File.Exists(Path.Combine(folder, "a.detserve.png")));
    }

    [Fact]
    public async Task Infer_MissingInput_IsAnErrorNamingThePath()
    {
        var (code, _, stderr) = await CliRunner.RunAsync("infer", "--config", Paths.SampleConfig, "--weights", Paths.SampleWeights,
            "--input", Path.Combine(_dir, "nope"), "--output", Path.Combine(_dir, "out"));
        Assert.Equal(2, code);
        Assert.Contains("nope", stderr);
    }
}
