using Detserve.Backends.Cpu;
using Detserve.Graph.Spec;

namespace Detserve.Runtime;

/// <summary>
/// detectron2/modeling/meta_arch/retinanet.py inference_single_image with dense_detector.py _decode_per_level_predictions: per level the
/// sigmoid of all H*W*A*K logits, those > SCORE_THRESH_TEST kept (in flattened order), the top min(TOPK_CANDIDATES_TEST, kept) of them,
/// decoded against their anchors (no clipping), levels concatenated, batched_nms by class at NMS_THRESH_TEST, the first
/// DETECTIONS_PER_IMAGE.
/// </summary>
internal sealed class RetinaNetInference(RetinaNetSpec spec, LevelAnchors anchors)
{
    private readonly float[] _weights = spec.BboxRegWeights.Select(w => (float)w).ToArray();

    public Detections Run(IReadOnlyList<FeatureMap> cls, IReadOnlyList<FeatureMap> box, int n)
    {
        int k = spec.NumClasses;
        var boxes = new List<float>();
        var scores = new List<float>();
        var classes = new List<int>();
        for (int l = 0; l < cls.Count; l++)
        {
            FeatureMap c = cls[l], d = box[l];
            int a = anchors.AnchorsPerCell(l), h = c.Height, w = c.Width, plane = h * w;
            if (c.Channels != a * k || d.Channels != a * 4)
                throw new InvalidOperationException($"RetinaNet level {l}: class logits {c} / box deltas {d} do not match {a} anchors x {k} classes");
            var probs = new float[c.ImageStride];
            Activations.Sigmoid(c.Image(n), probs);
            // permute_to_N_HWA_K: flattened index ((y * W + x) * A + a) * K + k reads channel a * K + k at (y, x).
            var keptIndex = new List<int>();
            var keptScore = new List<float>();
            for (int p = 0; p < plane; p++)
                for (int ak = 0; ak < a * k; ak++)
                {
                    float s = probs[(ak * plane) + p];
                    if (s > spec.ScoreThreshTest)
                    {
                        keptIndex.Add((p * a * k) + ak);
                        keptScore.Add(s);
                    }
                }
            if (keptScore.Count == 0) continue;
            int topk = Math.Min(spec.TopkCandidatesTest, keptScore.Count);
            var order = new int[topk];
            topk = TopK.Indices(keptScore.ToArray(), topk, order);
            float[] grid = anchors.Grid(l, h, w);
            ReadOnlySpan<float> del = d.Image(n);
            var selAnchors = new float[topk * 4];
            var selDeltas = new float[topk * 4];
            for (int j = 0; j < topk; j++)
            {
                int flat = keptIndex[order[j]];
                int anchor = flat / k, p = anchor / a, ai = anchor % a;
                grid.AsSpan(4 * anchor, 4).CopyTo(selAnchors.AsSpan(4 * j, 4));
                for (int q = 0; q < 4; q++) selDeltas[(4 * j) + q] = del[(((ai * 4) + q) * plane) + p];
                scores.Add(keptScore[order[j]]);
                classes.Add(flat % k);
            }
            var decoded = new float[topk * 4];
            Box2BoxTransform.ApplyDeltas(selAnchors, selDeltas, topk, 1, _weights, Box2BoxTransform.DefaultScaleClamp, decoded);
            boxes.AddRange(decoded);
        }
        if (scores.Count == 0) return Detections.Empty;
        var all = new Detections(boxes.ToArray(), scores.ToArray(), classes.ToArray());
        var keep = new int[all.Count];
        int kept = Nms.BatchedNms(all.Boxes, all.Scores, all.Labels, all.Count, spec.NmsThreshTest, keep);
        return all.Select(keep.AsSpan(0, Math.Min(kept, spec.DetectionsPerImage)));
    }
}
