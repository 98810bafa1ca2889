using System.Text.Json;
using Detserve.Eval.Coco;
using Detserve.Eval.Evaluation;

namespace Detserve.Eval.Tests;

/// <summary>Every case of ../shared/golden/cocoeval against the numbers real pycocotools produced.</summary>
public sealed class CocoEvalGoldenTests
{
    private const double Tolerance = 1e-6;

    public static TheoryData<string> Cases()
    {
        using JsonDocument index = JsonDocument.Parse(File.ReadAllBytes(GoldenFiles.Path_("cocoeval", "index.json")));
        var data = new TheoryData<string>();
        foreach (JsonProperty p in index.RootElement.EnumerateObject())
        {
            data.Add(p.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPycocotools(string name)
    {
        using JsonDocument index = JsonDocument.Parse(File.ReadAllBytes(GoldenFiles.Path_("cocoeval", "index.json")));
        JsonElement entry = index.RootElement.GetProperty(name);
        IouType iouType = entry.GetProperty("iouType").GetString() == "bbox" ? IouType.Bbox : IouType.Segm;
        CocoGroundTruth gt = CocoGroundTruth.Load(GoldenFiles.Path_("cocoeval", "gt.json"));
        CocoResults results = CocoResults.Load(GoldenFiles.Path_("cocoeval", entry.GetProperty("results").GetString()!), gt);
        using JsonDocument expectedDoc = JsonDocument.Parse(File.ReadAllBytes(GoldenFiles.Path_("cocoeval", entry.GetProperty("expected").GetString()!)));
        JsonElement expected = expectedDoc.RootElement;

        CocoEvalResult result = CocoEvaluation.Evaluate(gt, results, iouType);

        Assert.Equal(expected.GetProperty("num_results").GetInt32(), results.Count);
        double[] stats = [.. expected.GetProperty("stats").EnumerateArray().Select(e => e.GetDouble())];
        for (int i = 0; i < 12; i++)
        {
            Assert.True(Math.Abs(stats[i] - result.Stats[i]) <= Tolerance, $"{name}: stats[{i}] = {result.Stats[i]:R}, pycocotools {stats[i]:R}");
        }

        string[] lines = [.. expected.GetProperty("summary_text").EnumerateArray().Select(e => e.GetString()!)];
        Assert.Equal(string.Join("\n", lines) + "\n", result.SummaryText);

        CocoAccumulation acc = result.Accumulation!;
        int[] shape = [.. expected.GetProperty("precision_shape_TRKAM").EnumerateArray().Select(e => e.GetInt32())];
        Assert.Equal(shape, new[] { acc.T, acc.R, acc.K, acc.A, acc.M });
        Assert.Equal([1L, 2, 5, 7], acc.CategoryIds);

        JsonElement meanTkam = expected.GetProperty("precision_mean_over_recall_TKAM");
        JsonElement recallTkam = expected.GetProperty("recall_TKAM");
        for (int t = 0; t < acc.T; t++)
        {
            for (int k = 0; k < acc.K; k++)
            {
                for (int a = 0; a < acc.A; a++)
                {
                    for (int m = 0; m < acc.M; m++)
                    {
                        double[] curve = [.. Enumerable.Range(0, acc.R).Select(r => acc.GetPrecision(t, r, k, a, m)).Where(p => p > -1)];
                        double mean = curve.Length == 0 ? -1 : curve.Average();
                        double want = meanTkam[t][k][a][m].GetDouble();
                        Assert.True(Math.Abs(want - mean) <= Tolerance, $"{name}: mean precision [t={t}, k={k}, a={a}, m={m}] = {mean:R}, pycocotools {want:R}");
                        double wantRecall = recallTkam[t][k][a][m].GetDouble();
                        Assert.True(Math.Abs(wantRecall - acc.GetRecall(t, k, a, m)) <= Tolerance, $"{name}: recall [t={t}, k={k}, a={a}, m={m}] = {acc.GetRecall(t, k, a, m):R}, pycocotools {wantRecall:R}");
                    }
                }
            }
        }

        foreach ((string key, int t) in new[] { ("precision_iou50_areaall_maxdet100_RK", 0), ("precision_iou75_areaall_maxdet100_RK", 5) })
        {
            JsonElement curve = expected.GetProperty(key);
            for (int r = 0; r < acc.R; r++)
            {
                for (int k = 0; k < acc.K; k++)
                {
                    double want = curve[r][k].GetDouble();
                    double got = acc.GetPrecision(t, r, k, 0, 2);
                    Assert.True(Math.Abs(want - got) <= Tolerance, $"{name}: {key}[{r}][{k}] = {got:R}, pycocotools {want:R}");
                }
            }
        }
    }
}
