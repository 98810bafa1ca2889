using Detserve.Eval.Coco;
using Detserve.Eval.Masks;
using Detserve.Vision;

namespace Detserve.Runtime.Cuda.Tests;

/// <summary>
/// A model run over a COCO dataset turned into COCO results the way `detserve eval` and Detectron2's COCOEvaluator do it
/// (detectron2/evaluation/coco_evaluation.py instances_to_coco_json): contiguous class ids mapped to the dataset's sorted
/// category ids, XYXY boxes to XYWH in float32, scores widened from float32, pred_masks as compressed RLE.
/// </summary>
internal static class CocoRun
{
    /// <summary>Runs <paramref name="predictor"/> on every image of <paramref name="groundTruth"/> (one image per call, as DefaultPredictor).</summary>
    public static CocoResults Predict(Predictor predictor, CocoGroundTruth groundTruth, string imageDir, CancellationToken cancellationToken)
    {
        var builder = new CocoResultsBuilder(groundTruth, "model results");
        foreach (CocoImage info in groundTruth.Images)
        {
            string name = info.FileName ?? throw new InvalidDataException($"{groundTruth.SourceName}: image id {info.Id} has no file_name");
            RgbImage image = ImageDecoder.DecodeFile(System.IO.Path.Combine(imageDir, name));
            Instances instances = predictor.Run([image], cancellationToken)[0];
            Add(builder, groundTruth, info.Id, instances);
        }
        return builder.Build();
    }

    /// <summary>Adds one image's detections (instances_to_coco_json).</summary>
    public static void Add(CocoResultsBuilder builder, CocoGroundTruth groundTruth, long imageId, Instances instances)
    {
        IReadOnlyList<long> categoryIds = groundTruth.ThingDatasetIds;
        for (int k = 0; k < instances.Count; k++)
        {
            int cls = instances.Classes[k];
            if ((uint)cls >= (uint)categoryIds.Count)
                throw new InvalidDataException($"image {imageId}: detection {k} has class {cls} but the dataset has {categoryIds.Count} categories");
            float x1 = instances.Boxes[4 * k], y1 = instances.Boxes[(4 * k) + 1], x2 = instances.Boxes[(4 * k) + 2], y2 = instances.Boxes[(4 * k) + 3];
            BinaryMask? mask = instances.GetMask(k);
            EncodedMask? encoded = mask is null ? null : EncodedMask.FromRowMajor(mask.Data, mask.Height, mask.Width);
            builder.Add(imageId, categoryIds[cls], instances.Scores[k], BoxXywh.FromXyxyFloat32(x1, y1, x2, y2), encoded);
        }
    }
}
