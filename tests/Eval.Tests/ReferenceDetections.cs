using System.Text.Json;
using Detserve.Eval.Coco;
using Detserve.Eval.Masks;

namespace Detserve.Eval.Tests;

/// <summary>
/// Turns ../shared/golden/reference/&lt;model&gt;/detections.json into COCO results the way Detectron2's
/// <c>instances_to_coco_json</c> does: category_id = class + 1, bbox from the float32 xyxy box, segmentation = masks_rle.
/// </summary>
internal static class ReferenceDetections
{
    public static CocoResults Load(string model, CocoGroundTruth gt)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(GoldenFiles.Path_("reference", model, "detections.json")));
        var builder = new CocoResultsBuilder(gt, model + "/detections.json");
        foreach (JsonElement image in doc.RootElement.GetProperty("images").EnumerateArray())
        {
            long imageId = image.GetProperty("image_id").GetInt64();
            int n = image.GetProperty("num_instances").GetInt32();
            JsonElement boxes = image.GetProperty("boxes_xyxy");
            JsonElement scores = image.GetProperty("scores");
            JsonElement classes = image.GetProperty("classes");
            bool hasMasks = image.TryGetProperty("masks_rle", out JsonElement masks);
            for (int i = 0; i < n; i++)
            {
                JsonElement b = boxes[i];
                BoxXywh box = BoxXywh.FromXyxyFloat32(b[0].GetSingle(), b[1].GetSingle(), b[2].GetSingle(), b[3].GetSingle());
                EncodedMask? mask = null;
                if (hasMasks)
                {
                    JsonElement rle = masks[i];
                    int h = rle.GetProperty("size")[0].GetInt32(), w = rle.GetProperty("size")[1].GetInt32();
                    Rle decoded = Rle.FromCompressedString(rle.GetProperty("counts").GetString()!, h, w);
                    mask = EncodedMask.FromRle(decoded);
                }

                // Scores are float32 values, widened to double by tolist() as Detectron2 does.
                builder.Add(imageId, classes[i].GetInt64() + 1, scores[i].GetSingle(), box, mask);
            }
        }

        return builder.Build();
    }
}
