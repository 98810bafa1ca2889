using System.Text.Json;
using Detserve.Eval.Coco;
using Detserve.Eval.Evaluation;
using Detserve.Eval.Masks;

namespace Detserve.Eval.Tests;

/// <summary>golden/reference/&lt;model&gt;/coco_eval.json reproduced from detections.json and shapes_test/annotations.json.</summary>
public sealed class ReferenceModelEvalTests
{
    private const double Tolerance = 1e-6;

    [Theory]
    [InlineData("mask_rcnn_R_50_FPN_narrow", "bbox")]
    [InlineData("mask_rcnn_R_50_FPN_narrow", "segm")]
    [InlineData("retinanet_R_50_FPN_narrow", "bbox")]
    public void ReproducesDetectron2CocoEvaluator(string model, string iouTypeName)
    {
        CocoGroundTruth gt = CocoGroundTruth.Load(GoldenFiles.Path_("shapes_test", "annotations.json"));
        CocoResults results = ReferenceDetections.Load(model, gt);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(GoldenFiles.Path_("reference", model, "coco_eval.json")));
        JsonElement expected = doc.RootElement.GetProperty(iouTypeName);
        Assert.Equal(doc.RootElement.GetProperty("num_detections").GetInt32(), results.Count);

        CocoEvalResult result = CocoEvaluation.Evaluate(gt, results, iouTypeName == "bbox" ? IouType.Bbox : IouType.Segm);

        double[] stats = [.. expected.GetProperty("stats").EnumerateArray().Select(e => e.GetDouble())];
        for (int i = 0; i < 12; i++)
        {
            Assert.True(Math.Abs(stats[i] - result.Stats[i]) <= Tolerance, $"{model} {iouTypeName}: stats[{i}] = {result.Stats[i]:R}, Detectron2 {stats[i]:R}");
        }

        string[] lines = [.. expected.GetProperty("summary_text").EnumerateArray().Select(e => e.GetString()!)];
        Assert.Equal(string.Join("\n", lines) + "\n", result.SummaryText);

        var perCategory = expected.GetProperty("per_category_AP").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        Assert.Equal(perCategory.Keys, result.PerCategoryAp.Select(c => c.Name));
        foreach (CategoryAp c in result.PerCategoryAp)
        {
            Assert.True(Math.Abs(perCategory[c.Name] - c.Ap) <= Tolerance, $"{model} {iouTypeName}: AP of {c.Name} = {c.Ap:R}, Detectron2 {perCategory[c.Name]:R}");
        }
    }

    [Fact]
    public void ReferenceMasksReEncodeToTheSameStringAndArea()
    {
        // Every mask: the counts string round-trips and the area is Detectron2's pixel count. Every 4th mask (all
        // images, all sizes): decoded to a row-major image mask and encoded again as infer does, bit for bit.
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(GoldenFiles.Path_("reference", "mask_rcnn_R_50_FPN_narrow", "detections.json")));
        int checkedMasks = 0, reEncoded = 0;
        foreach (JsonElement image in doc.RootElement.GetProperty("images").EnumerateArray())
        {
            JsonElement masks = image.GetProperty("masks_rle");
            JsonElement areas = image.GetProperty("mask_areas");
            for (int i = 0; i < masks.GetArrayLength(); i++)
            {
                int h = masks[i].GetProperty("size")[0].GetInt32(), w = masks[i].GetProperty("size")[1].GetInt32();
                string counts = masks[i].GetProperty("counts").GetString()!;
                Rle rle = Rle.FromCompressedString(counts, h, w);
                Assert.Equal(counts, rle.ToCompressedString());
                Assert.Equal(areas[i].GetInt64(), rle.Area());
                checkedMasks++;
                if (checkedMasks % 4 == 1)
                {
                    byte[] rowMajor = rle.DecodeRowMajor();
                    EncodedMask encoded = EncodedMask.FromRowMajor(rowMajor, h, w);
                    Assert.Equal(counts, encoded.Counts);
                    Assert.Equal(areas[i].GetInt64(), encoded.Area);
                    Assert.Equal(rowMajor.AsSpan().Count((byte)1), encoded.Area);
                    reEncoded++;
                }
            }
        }

        Assert.Equal(501, checkedMasks);
        Assert.Equal(126, reEncoded);
    }

    [Fact]
    public void JsonWriterWritesStatsAndPerCategoryApPerIouType()
    {
        CocoGroundTruth gt = CocoGroundTruth.Load(GoldenFiles.Path_("shapes_test", "annotations.json"));
        CocoResults results = ReferenceDetections.Load("mask_rcnn_R_50_FPN_narrow", gt);
        IReadOnlyList<CocoEvalResult> evaluated = CocoEvaluation.Evaluate(gt, results, [IouType.Segm, IouType.Bbox]);
        using var stream = new MemoryStream();
        CocoEvalJson.Write(stream, evaluated);
        using JsonDocument written = JsonDocument.Parse(stream.ToArray());
        using JsonDocument golden = JsonDocument.Parse(File.ReadAllBytes(GoldenFiles.Path_("reference", "mask_rcnn_R_50_FPN_narrow", "coco_eval.json")));
        Assert.Equal(["bbox", "segm"], written.RootElement.EnumerateObject().Select(p => p.Name));
        foreach (string type in new[] { "bbox", "segm" })
        {
            double[] stats = [.. written.RootElement.GetProperty(type).GetProperty("stats").EnumerateArray().Select(e => e.GetDouble())];
            double[] want = [.. golden.RootElement.GetProperty(type).GetProperty("stats").EnumerateArray().Select(e => e.GetDouble())];
            Assert.Equal(12, stats.Length);
            for (int i = 0; i < 12; i++)
            {
                Assert.True(Math.Abs(want[i] - stats[i]) <= Tolerance);
            }

            Assert.Equal(["ellipse", "rectangle", "triangle"], written.RootElement.GetProperty(type).GetProperty("per_category_AP").EnumerateObject().Select(p => p.Name));
        }
    }

    // The numbers are golden coco_eval.json's stats and per_category_AP times 100, as Detectron2 logs them.
    [Fact]
    public void Detectron2TablesHaveTheLoggedLayout()
    {
        CocoGroundTruth gt = CocoGroundTruth.Load(GoldenFiles.Path_("shapes_test", "annotations.json"));
        CocoResults results = ReferenceDetections.Load("mask_rcnn_R_50_FPN_narrow", gt);
        CocoEvalResult bbox = CocoEvaluation.Evaluate(gt, results, IouType.Bbox);
        Assert.Equal(
            "|   AP   |  AP50  |  AP75  |  APs   |  APm   |  APl   |\n" +
            "|:------:|:------:|:------:|:------:|:------:|:------:|\n" +
            "| 57.749 | 77.641 | 69.618 | 46.679 | 59.386 | 57.554 |",
            bbox.ResultsTable);
        Assert.Equal(
            "| category   | AP     | category   | AP     | category   | AP     |\n" +
            "|:-----------|:-------|:-----------|:-------|:-----------|:-------|\n" +
            "| ellipse    | 71.515 | rectangle  | 49.335 | triangle   | 52.397 |",
            bbox.PerCategoryTable);
    }
}
