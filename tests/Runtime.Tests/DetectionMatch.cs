using System.Globalization;
using System.Text.Json;

namespace Detserve.Runtime.Tests;

/// <summary>
/// Compares an <see cref="Instances"/> with one entry of a Detectron2 detections.json (or meta.json final_detections): same count,
/// then one-to-one in order: classes equal, boxes within <see cref="BoxTolerance"/> px, scores within <see cref="ScoreTolerance"/>,
/// masks (when present) with IoU >= <see cref="MinMaskIou"/> against the reference RLE.
/// </summary>
internal static class DetectionMatch
{
    public const double BoxTolerance = 0.01;
    public const double ScoreTolerance = 1e-4;
    public const double MinMaskIou = 0.99;

    /// <summary>Returns (max |Δbox|, max |Δscore|, min mask IoU) after asserting the match.</summary>
    public static (double Box, double Score, double MaskIou) Assert(string what, JsonElement reference, Instances actual)
    {
        int n = reference.GetProperty("num_instances").GetInt32();
        Xunit.Assert.True(n == actual.Count, $"{what}: {actual.Count} detections, Detectron2 has {n}");
        Xunit.Assert.Equal(reference.GetProperty("height").GetInt32(), actual.ImageHeight);
        Xunit.Assert.Equal(reference.GetProperty("width").GetInt32(), actual.ImageWidth);
        JsonElement boxes = reference.GetProperty("boxes_xyxy"), scores = reference.GetProperty("scores"), classes = reference.GetProperty("classes");
        bool hasMasks = reference.TryGetProperty("masks_rle", out JsonElement masks);
        double maxBox = 0, maxScore = 0, minIou = 1;
        for (int i = 0; i < n; i++)
        {
            int cls = classes[i].GetInt32();
            Xunit.Assert.True(cls == actual.Classes[i], $"{what}: detection {i} has class {actual.Classes[i]}, Detectron2 {cls} (score {actual.Scores[i]} vs {scores[i].GetDouble()})");
            for (int c = 0; c < 4; c++)
            {
                double d = Math.Abs(boxes[i][c].GetDouble() - actual.Boxes[(4 * i) + c]);
                maxBox = Math.Max(maxBox, d);
                Xunit.Assert.True(d <= BoxTolerance, string.Create(CultureInfo.InvariantCulture,
                    $"{what}: detection {i} box coordinate {c} is {actual.Boxes[(4 * i) + c]}, Detectron2 {boxes[i][c].GetDouble()} (|diff| {d:G4})"));
            }
            double ds = Math.Abs(scores[i].GetDouble() - actual.Scores[i]);
            maxScore = Math.Max(maxScore, ds);
            Xunit.Assert.True(ds <= ScoreTolerance, string.Create(CultureInfo.InvariantCulture,
                $"{what}: detection {i} score {actual.Scores[i]}, Detectron2 {scores[i].GetDouble()} (|diff| {ds:G4})"));
            if (hasMasks)
            {
                JsonElement rle = masks[i];
                int h = rle.GetProperty("size")[0].GetInt32(), w = rle.GetProperty("size")[1].GetInt32();
                byte[] expected = CocoRle.Decode(rle.GetProperty("counts").GetString()!, h, w);
                var mask = actual.GetMask(i);
                Xunit.Assert.NotNull(mask);
                long inter = 0, union = 0;
                for (int p = 0; p < expected.Length; p++)
                {
                    bool a = mask.Data[p] != 0, e = expected[p] != 0;
                    if (a && e) inter++;
                    if (a || e) union++;
                }
                double iou = union == 0 ? 1 : (double)inter / union;
                minIou = Math.Min(minIou, iou);
                Xunit.Assert.True(iou >= MinMaskIou, string.Create(CultureInfo.InvariantCulture,
                    $"{what}: detection {i} mask IoU {iou:F4} with Detectron2's ({inter} / {union} pixels)"));
            }
        }
        return (maxBox, maxScore, minIou);
    }
}
