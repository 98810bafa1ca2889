using Detserve.Backends.Cpu;
using Detserve.Graph.Spec;

namespace Detserve.Runtime;

/// <summary>
/// detectron2/modeling/roi_heads/fast_rcnn.py FastRCNNOutputLayers.inference for one image: softmax over K + 1 classes (background last),
/// per-class boxes decoded from the proposals with BBOX_REG_WEIGHTS, rows with a non-finite box or score dropped, boxes clipped to the
/// resized image, every (proposal, class) with score > SCORE_THRESH_TEST (strict) kept in row-major order, batched_nms by class at
/// NMS_THRESH_TEST, then the first DETECTIONS_PER_IMAGE.
/// </summary>
internal sealed class FastRcnnInference(RoiHeadsSpec spec)
{
    private readonly float[] _weights = spec.BoxHead.BboxRegWeights.Select(w => (float)w).ToArray();

    public Detections Run(ReadOnlySpan<float> clsLogits, ReadOnlySpan<float> boxDeltas, float[] proposals, int imageHeight, int imageWidth)
    {
        int r = proposals.Length / 4, k = spec.NumClasses;
        if (r == 0) return Detections.Empty;
        int regClasses = spec.BoxHead.ClsAgnosticBboxReg ? 1 : k;

        var probs = new float[r * (k + 1)];
        Activations.SoftmaxRows(clsLogits[..(r * (k + 1))], r, k + 1, probs);
        var boxes = new float[r * regClasses * 4];
        Box2BoxTransform.ApplyDeltas(proposals, boxDeltas, r, regClasses, _weights, Box2BoxTransform.DefaultScaleClamp, boxes);

        var candBoxes = new List<float>();
        var candScores = new List<float>();
        var candClasses = new List<int>();
        for (int i = 0; i < r; i++)
        {
            Span<float> row = boxes.AsSpan(i * regClasses * 4, regClasses * 4);
            ReadOnlySpan<float> p = probs.AsSpan(i * (k + 1), k + 1);
            bool finite = true;
            foreach (float v in row) finite &= float.IsFinite(v);
            foreach (float v in p) finite &= float.IsFinite(v);
            if (!finite) continue;
            BoxOps.Clip(row, imageHeight, imageWidth);
            for (int c = 0; c < k; c++)
            {
                if (!(p[c] > spec.ScoreThreshTest)) continue;
                candBoxes.AddRange(row.Slice((regClasses == 1 ? 0 : c) * 4, 4));
                candScores.Add(p[c]);
                candClasses.Add(c);
            }
        }
        if (candScores.Count == 0) return Detections.Empty;
        var all = new Detections(candBoxes.ToArray(), candScores.ToArray(), candClasses.ToArray());
        var keep = new int[all.Count];
        int kept = Nms.BatchedNms(all.Boxes, all.Scores, all.Labels, all.Count, spec.NmsThreshTest, keep);
        if (spec.DetectionsPerImage >= 0) kept = Math.Min(kept, spec.DetectionsPerImage);
        return all.Select(keep.AsSpan(0, kept));
    }
}
