using Detserve.Eval.Coco;
using Detserve.Eval.Evaluation;
using Detserve.Eval.Masks;

namespace Detserve.Eval.Tests;

/// <summary>Hand-computed COCOeval cases for settings the golden set does not cover, and the results writer.</summary>
public sealed class CocoEvaluationBehaviourTests
{
    private static CocoGroundTruth TwoBoxes() => new(
        [new CocoImage(1, 100, 100, null), new CocoImage(2, 100, 100, null)],
        [new CocoCategory(1, "a", null), new CocoCategory(2, "b", null)],
        [
            new CocoAnnotation(1, 1, 1, 400, new BoxXywh(10, 10, 20, 20), false, null),
            new CocoAnnotation(2, 2, 2, 2500, new BoxXywh(40, 40, 50, 50), false, null),
        ]);

    [Fact]
    public void PerfectDetectionsScoreOneWhereThereIsGroundTruthAndMinusOneElsewhere()
    {
        CocoGroundTruth gt = TwoBoxes();
        var builder = new CocoResultsBuilder(gt);
        builder.Add(1, 1, 0.9, new BoxXywh(10, 10, 20, 20));
        builder.Add(2, 2, 0.8, new BoxXywh(40, 40, 50, 50));
        CocoEvalResult r = CocoEvaluation.Evaluate(gt, builder.Build(), IouType.Bbox);

        // AP, AP50, AP75 = 1; small (category a, area 400) = 1; medium (category b, area 2500) = 1; no large GT: -1.
        // "1" is 1 / (1 + np.spacing(1)) in precision, as in pycocotools.
        double[] expected = [1.0, 1, 1, 1, 1, -1, 1, 1, 1, 1, 1, -1];
        for (int i = 0; i < 12; i++)
        {
            Assert.Equal(expected[i], r.Stats[i], 12);
        }

        Assert.All(r.PerCategoryAp, c => Assert.Equal(1.0, c.Ap, 12));
    }

    [Fact]
    public void UseCatsOffMatchesAcrossCategories()
    {
        CocoGroundTruth gt = TwoBoxes();
        var builder = new CocoResultsBuilder(gt);

        // Right boxes, swapped categories: no match per category; with useCats off both match.
        builder.Add(1, 2, 0.9, new BoxXywh(10, 10, 20, 20));
        builder.Add(2, 1, 0.8, new BoxXywh(40, 40, 50, 50));
        CocoResults results = builder.Build();
        CocoEvalResult perCategory = CocoEvaluation.Evaluate(gt, results, IouType.Bbox);
        Assert.Equal(0.0, perCategory.Stats[0], 12);
        CocoEvalResult agnostic = CocoEvaluation.Evaluate(gt, results, IouType.Bbox, new CocoEvalParams { UseCats = false });
        Assert.Equal(1.0, agnostic.Stats[0], 12);
        Assert.Equal([-1L], agnostic.Accumulation!.CategoryIds);
        Assert.Empty(agnostic.PerCategoryAp);
    }

    [Fact]
    public void ALowerScoredDuplicateIsAFalsePositiveAndAnIgnoredCrowdHitIsNot()
    {
        CocoGroundTruth gt = new(
            [new CocoImage(1, 200, 200, null)],
            [new CocoCategory(1, "a", null)],
            [
                new CocoAnnotation(1, 1, 1, 400, new BoxXywh(10, 10, 20, 20), false, null),
                new CocoAnnotation(2, 1, 1, 10000, new BoxXywh(100, 100, 100, 100), true, null),
            ]);
        var builder = new CocoResultsBuilder(gt);
        builder.Add(1, 1, 0.5, new BoxXywh(10, 10, 20, 20));   // TP
        builder.Add(1, 1, 0.9, new BoxXywh(120, 120, 10, 10)); // inside the crowd: ignored
        builder.Add(1, 1, 0.4, new BoxXywh(10, 10, 20, 20));   // duplicate: FP after the TP
        CocoEvalResult r = CocoEvaluation.Evaluate(gt, builder.Build(), IouType.Bbox);

        // Sorted: crowd hit (ignored), TP, FP. Precision after the TP is 1 and recall reaches 1 there: AP = 1.
        Assert.Equal(1.0, r.Stats[0], 12);
        CocoAccumulation acc = r.Accumulation!;
        Assert.Equal(1.0, acc.GetRecall(0, 0, 0, 2));

        // With maxDets 1 only the top-scored detection (the ignored crowd hit) counts: recall 0.
        Assert.Equal(0.0, acc.GetRecall(0, 0, 0, 0));
    }

    [Fact]
    public void WithoutABoxOnTheFirstResultBoxesComeFromMasksOnlyWhereMissing()
    {
        // loadRes's 'segmentation' branch: area from the mask for every result, bbox = toBbox(mask) only when absent.
        CocoGroundTruth gt = TwoBoxes();
        byte[] mask = new byte[100 * 100];
        for (int y = 10; y < 30; y++)
        {
            mask.AsSpan((y * 100) + 10, 20).Fill(1);
        }

        EncodedMask encoded = EncodedMask.FromRowMajor(mask, 100, 100);
        Assert.Equal(new BoxXywh(10, 10, 20, 20), encoded.Bbox);
        var builder = new CocoResultsBuilder(gt);
        builder.Add(1, 1, 0.9, null, encoded);                                // box from the mask: IoU 1
        builder.Add(2, 2, 0.8, new BoxXywh(0, 0, 5, 5), encoded);             // own box kept: no overlap with GT 2
        CocoEvalResult r = CocoEvaluation.Evaluate(gt, builder.Build(), IouType.Bbox);
        Assert.Equal(1.0, r.PerCategoryAp[0].Ap, 12);
        Assert.Equal(0.0, r.PerCategoryAp[1].Ap, 12);
    }

    [Fact]
    public void NoResultsGiveNaNAsDetectron2Reports()
    {
        CocoGroundTruth gt = TwoBoxes();
        CocoEvalResult r = CocoEvaluation.Evaluate(gt, new CocoResultsBuilder(gt).Build(), IouType.Segm);
        Assert.All(r.Stats, s => Assert.True(double.IsNaN(s)));
        Assert.Null(r.Accumulation);
        using var stream = new MemoryStream();
        CocoEvalJson.Write(stream, [r]);
        string json = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        Assert.Contains("\"segm\"", json, StringComparison.Ordinal);
        Assert.Contains("null", json, StringComparison.Ordinal);
    }

    [Fact]
    public void ResultsWriterOutputReadsBackEqual()
    {
        CocoGroundTruth gt = CocoGroundTruth.Load(GoldenFiles.Path_("cocoeval", "gt.json"));
        CocoResults original = CocoResults.Load(GoldenFiles.Path_("cocoeval", "dets_segm_basic.json"), gt);
        using var stream = new MemoryStream();
        using (var writer = new CocoResultsWriter(stream))
        {
            for (int i = 0; i < original.Count; i++)
            {
                writer.Write(original[i]);
            }
        }

        CocoResults back = CocoResults.Read(new MemoryStream(stream.ToArray()), "written.json", gt);
        Assert.Equal(Enumerable.Range(0, original.Count).Select(i => original[i]), Enumerable.Range(0, back.Count).Select(i => back[i]));
        Assert.Equal(CocoEvaluation.Evaluate(gt, original, IouType.Segm).Stats, CocoEvaluation.Evaluate(gt, back, IouType.Segm).Stats);
    }

    [Theory]
    [InlineData("dets_bbox_maxdets.json", IouType.Bbox)]
    [InlineData("dets_segm_maxdets.json", IouType.Segm)]
    public void ParallelEvaluationIsBitEqualToSerial(string file, IouType type)
    {
        CocoGroundTruth gt = CocoGroundTruth.Load(GoldenFiles.Path_("cocoeval", "gt.json"));
        CocoResults results = CocoResults.Load(GoldenFiles.Path_("cocoeval", file), gt);
        CocoAccumulation serial = CocoEvaluation.Evaluate(gt, results, type, new CocoEvalParams { MaxDegreeOfParallelism = 1 }).Accumulation!;
        CocoAccumulation parallel = CocoEvaluation.Evaluate(gt, results, type, new CocoEvalParams { MaxDegreeOfParallelism = 8 }).Accumulation!;
        for (int t = 0; t < serial.T; t++)
        {
            for (int k = 0; k < serial.K; k++)
            {
                for (int a = 0; a < serial.A; a++)
                {
                    for (int m = 0; m < serial.M; m++)
                    {
                        Assert.Equal(serial.GetRecall(t, k, a, m), parallel.GetRecall(t, k, a, m));
                        for (int r = 0; r < serial.R; r++)
                        {
                            Assert.Equal(serial.GetPrecision(t, r, k, a, m), parallel.GetPrecision(t, r, k, a, m));
                            Assert.Equal(serial.GetScore(t, r, k, a, m), parallel.GetScore(t, r, k, a, m));
                        }
                    }
                }
            }
        }
    }
}
