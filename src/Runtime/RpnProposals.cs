using Detserve.Backends.Cpu;
using Detserve.Graph.Spec;

namespace Detserve.Runtime;

/// <summary>
/// The RPN's inference selection, detectron2/modeling/proposal_generator/proposal_utils.py find_top_rpn_proposals: per level the top
/// PRE_NMS_TOPK_TEST anchors by raw logit, decoded with Box2BoxTransform (weights RPN.BBOX_REG_WEIGHTS); concatenated; non-finite boxes
/// or scores dropped; clipped to the resized image; boxes not wider and taller than MIN_SIZE dropped; NMS per level (batched_nms with
/// the level as group); the first POST_NMS_TOPK_TEST kept.
/// </summary>
internal sealed class RpnProposals(RpnSpec spec, LevelAnchors anchors)
{
    private readonly float[] _weights = spec.BboxRegWeights.Select(w => (float)w).ToArray();

    /// <summary>Proposals of image <paramref name="n"/>: boxes in resized-image pixels, objectness logits, level index as label.</summary>
    public Detections Select(IReadOnlyList<FeatureMap> objectness, IReadOnlyList<FeatureMap> deltas, int n, int imageHeight, int imageWidth)
    {
        var boxes = new List<float>();
        var scores = new List<float>();
        var levels = new List<int>();
        for (int l = 0; l < objectness.Count; l++)
        {
            FeatureMap obj = objectness[l], del = deltas[l];
            int a = anchors.AnchorsPerCell(l), h = obj.Height, w = obj.Width, plane = h * w;
            if (obj.Channels != a || del.Channels != 4 * a)
                throw new InvalidOperationException($"RPN level {l}: objectness {obj} / deltas {del} do not match {a} anchors per cell");
            // (A, H, W) -> (H, W, A) flattening as RPN.forward's permute(0, 2, 3, 1).flatten(1).
            ReadOnlySpan<float> o = obj.Image(n);
            var logits = new float[plane * a];
            for (int i = 0; i < a; i++)
                for (int p = 0; p < plane; p++) logits[(p * a) + i] = o[(i * plane) + p];
            int k = Math.Min(spec.PreNmsTopKTest, logits.Length);
            var top = new int[k];
            k = TopK.Indices(logits, k, top);

            float[] grid = anchors.Grid(l, h, w);
            ReadOnlySpan<float> d = del.Image(n);
            var selAnchors = new float[k * 4];
            var selDeltas = new float[k * 4];
            for (int j = 0; j < k; j++)
            {
                int idx = top[j], p = idx / a, i = idx % a;
                grid.AsSpan(4 * idx, 4).CopyTo(selAnchors.AsSpan(4 * j, 4));
                // deltas (A*4, H, W) viewed as (A, 4, H, W) -> (H, W, A, 4).
                for (int c = 0; c < 4; c++) selDeltas[(4 * j) + c] = d[((i * 4) + c) * plane + p];
            }
            var decoded = new float[k * 4];
            Box2BoxTransform.ApplyDeltas(selAnchors, selDeltas, k, 1, _weights, Box2BoxTransform.DefaultScaleClamp, decoded);
            for (int j = 0; j < k; j++)
            {
                boxes.AddRange(decoded.AsSpan(4 * j, 4));
                scores.Add(logits[top[j]]);
                levels.Add(l);
            }
        }

        float[] b = boxes.ToArray();
        float[] s = scores.ToArray();
        int[] lv = levels.ToArray();
        int count = s.Length;
        var valid = new List<int>(count);
        for (int i = 0; i < count; i++)
            if (BoxOps.Finite(b, i) && float.IsFinite(s[i])) valid.Add(i);
        var all = new Detections(b, s, lv);
        if (valid.Count != count) all = all.Select(valid.ToArray());

        BoxOps.Clip(all.Boxes, imageHeight, imageWidth);
        var nonEmpty = new List<int>(all.Count);
        for (int i = 0; i < all.Count; i++)
            if (BoxOps.NonEmpty(all.Boxes, i, (float)spec.MinSize)) nonEmpty.Add(i);
        if (nonEmpty.Count != all.Count) all = all.Select(nonEmpty.ToArray());
        if (all.Count == 0) return Detections.Empty;

        var keep = new int[all.Count];
        int kept = Nms.BatchedNms(all.Boxes, all.Scores, all.Labels, all.Count, spec.NmsThresh, keep);
        return all.Select(keep.AsSpan(0, Math.Min(kept, spec.PostNmsTopKTest)));
    }
}
