using System.Text.Json;
using System.Text.Json.Nodes;

namespace Detserve.Cli.Tests;

[Collection("console")]
public sealed class EvalCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("detserve-eval-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Eval_Results_MatchesDetectron2CocoEvaluation()
    {
        // Detectron2's own detections of the golden Mask R-CNN, written as a COCO results file the way
        // instances_to_coco_json does, must evaluate to the coco_eval.json Detectron2 computed from them.
        string reference = Path.Combine(Paths.Golden, "reference", "mask_rcnn_R_50_FPN_narrow");
        using var dets = JsonDocument.Parse(File.ReadAllText(Path.Combine(reference, "detections.json")));
        var results = new JsonArray();
        foreach (JsonElement image in dets.RootElement.GetProperty("images").EnumerateArray())
        {
            for (int i = 0; i < image.GetProperty("num_instances").GetInt32(); i++)
            {
                JsonElement box = image.GetProperty("boxes_xyxy")[i];
                double x0 = box[0].GetDouble(), y0 = box[1].GetDouble(), x1 = box[2].GetDouble(), y1 = box[3].GetDouble();
                results.Add(new JsonObject
                {
                    ["image_id"] = image.GetProperty("image_id").GetInt64(),
                    ["category_id"] = image.GetProperty("classes")[i].GetInt32() + 1,
                    ["bbox"] = new JsonArray(x0, y0, x1 - x0, y1 - y0),
                    ["score"] = image.GetProperty("scores")[i].GetDouble(),
                    ["segmentation"] = JsonNode.Parse(image.GetProperty("masks_rle")[i].GetRawText()),
                });
            }
        }
        string resultsPath = Path.Combine(_dir, "results.json");
        File.WriteAllText(resultsPath, results.ToJsonString());
        string jsonPath = Path.Combine(_dir, "eval.json");

        var (code, stdout, _) = await CliRunner.RunAsync("eval", "--results", resultsPath,
            "--annotations", Path.Combine(Paths.Golden, "shapes_test", "annotations.json"), "--json", jsonPath);

        Assert.Equal(0, code);
        Assert.Contains("Evaluate annotation type *bbox*", stdout);
        Assert.Contains("Evaluate annotation type *segm*", stdout);
        Assert.Contains("Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]", stdout);
        using var mine = JsonDocument.Parse(File.ReadAllText(jsonPath));
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(reference, "coco_eval.json")));
        foreach (string type in new[] { "bbox", "segm" })
        {
            double[] want = expected.RootElement.GetProperty(type).GetProperty("stats").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            double[] got = mine.RootElement.GetProperty(type).GetProperty("stats").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(12, got.Length);
            for (int k = 0; k < 12; k++)
                Assert.True(Math.Abs(want[k] - got[k]) <= 1e-6, $"{type} stats[{k}]: expected {want[k]}, got {got[k]}");
        }
    }

    [Fact]
    public async Task Eval_ResultsForUnknownImage_IsAnErrorNamingTheRecord()
    {
        string resultsPath = Path.Combine(_dir, "bad.json");
        File.WriteAllText(resultsPath, """[{"image_id": 999, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9}]""");
        var (code, _, stderr) = await CliRunner.RunAsync("eval", "--results", resultsPath,
            "--annotations", Path.Combine(Paths.Golden, "shapes_test", "annotations.json"));
        Assert.Equal(2, code);
        Assert.Contains("999", stderr);
    }

    [Fact]
    public async Task Eval_NeitherResultsNorModel_IsAUsageError()
    {
        var (code, _, stderr) = await CliRunner.RunAsync("eval", "--annotations", Path.Combine(Paths.Golden, "shapes_test", "annotations.json"));
        Assert.Equal(2, code);
        Assert.Contains("--results", stderr);
    }
}
