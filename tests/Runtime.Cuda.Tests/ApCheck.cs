using System.Globalization;
using System.Text.Json;
using Detserve.Eval.Coco;
using Detserve.Eval.Evaluation;

namespace Detserve.Runtime.Cuda.Tests;

/// <summary>
/// Our COCO AP of one IoU type against Detectron2's reference (golden reference/&lt;model&gt;/coco_eval.json, stats[0] = AP at
/// IoU 0.50:0.95). AP is compared in points, as Detectron2 logs it (fraction x 100): issue 5's "within 0.1 COCO AP".
/// </summary>
internal sealed record ApCheck(string IouType, double ReferenceAp, double MeasuredAp)
{
    /// <summary>Issue 5: FP16 (and FP32) within 0.1 AP points of Detectron2.</summary>
    public const double TolerancePoints = 0.1;

    /// <summary>|measured - reference| in AP points.</summary>
    public double DifferencePoints => Math.Abs(MeasuredAp - ReferenceAp) * 100;

    public bool WithinTolerance => DifferencePoints <= TolerancePoints;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{IouType} AP {MeasuredAp * 100:F3} (Detectron2 {ReferenceAp * 100:F3}, |diff| {DifferencePoints:F3} points, tolerance {TolerancePoints})");

    /// <summary>stats[0] of each IoU type in a coco_eval.json.</summary>
    public static IReadOnlyDictionary<string, double> ReadReference(string cocoEvalPath)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(cocoEvalPath));
        var result = new Dictionary<string, double>();
        foreach (string type in new[] { "bbox", "segm" })
            if (doc.RootElement.TryGetProperty(type, out JsonElement e))
                result[type] = e.GetProperty("stats")[0].GetDouble();
        if (result.Count == 0) throw new InvalidDataException($"{cocoEvalPath}: neither 'bbox' nor 'segm' stats");
        return result;
    }

    /// <summary>Evaluates <paramref name="results"/> for every IoU type the reference holds and pairs each AP with the reference's.</summary>
    public static IReadOnlyList<ApCheck> Compare(CocoGroundTruth groundTruth, CocoResults results, IReadOnlyDictionary<string, double> reference)
    {
        var checks = new List<ApCheck>();
        foreach (var (type, referenceAp) in reference.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            CocoEvalResult r = CocoEvaluation.Evaluate(groundTruth, results, type == "segm" ? Eval.Evaluation.IouType.Segm : Eval.Evaluation.IouType.Bbox);
            checks.Add(new ApCheck(type, referenceAp, r.Stats[0]));
        }
        return checks;
    }
}
