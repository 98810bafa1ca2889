using System.Text.Json;
using Detserve.Eval.Coco;
using Detserve.Eval.Masks;

namespace Detserve.Runtime.Cuda.Tests;

/// <summary>Detectron2's own detections (golden reference/&lt;model&gt;/detections.json) as COCO results.</summary>
internal static class ReferenceDetections
{
    public static CocoResults Load(string model, CocoGroundTruth groundTruth)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(Golden.Path("reference", model, "detections.json")));
        var builder = new CocoResultsBuilder(groundTruth, "detections.json");
        foreach (JsonElement image in doc.RootElement.GetProperty("images").EnumerateArray())
        {
            long id = image.GetProperty("image_id").GetInt64();
            CocoImage info = groundTruth.FindImage(id) ?? throw new InvalidDataException($"detections.json: image {id} is not in the annotations");
            for (int i = 0; i < image.GetProperty("num_instances").GetInt32(); i++)
            {
                JsonElement box = image.GetProperty("boxes_xyxy")[i];
                float x0 = box[0].GetSingle(), y0 = box[1].GetSingle(), x1 = box[2].GetSingle(), y1 = box[3].GetSingle();
                EncodedMask? mask = null;
                if (image.TryGetProperty("masks_rle", out JsonElement rles))
                    mask = EncodedMask.FromRle(Rle.FromCompressedString(rles[i].GetProperty("counts").GetString()!, info.Height, info.Width));
                builder.Add(id, groundTruth.ThingDatasetIds[image.GetProperty("classes")[i].GetInt32()], image.GetProperty("scores")[i].GetDouble(),
                    BoxXywh.FromXyxyFloat32(x0, y0, x1, y1), mask);
            }
        }
        return builder.Build();
    }
}
