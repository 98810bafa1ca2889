using Detserve.Backends.Cpu;
using Detserve.Graph;
using Detserve.Graph.Spec;

namespace Detserve.Runtime;

/// <summary>
/// Faster / Mask R-CNN inference (detectron2/modeling/meta_arch/rcnn.py GeneralizedRCNN.inference), one forward in model order:
/// backbone + FPN + RPN head (the dense graph) -> proposals -> box head -> box inference -> mask head.
/// </summary>
internal sealed class GeneralizedRcnn : IDetector
{
    private readonly ModelGraph _model;
    private readonly RoiHeadsSpec _roi;
    private readonly RpnSpec _rpn;
    private readonly NetworkRunner _dense;
    private readonly NetworkRunner _boxHead;
    private readonly NetworkRunner? _maskHead;
    private readonly RpnProposals _proposals;
    private readonly RoiPooler _boxPooler;
    private readonly RoiPooler? _maskPooler;
    private readonly FastRcnnInference _boxInference;

    public GeneralizedRcnn(ModelGraph model, NetworkGraph dense, NetworkGraph boxHead, NetworkGraph? maskHead)
    {
        _model = model;
        _roi = model.Architecture.RoiHeads!;
        _rpn = model.Architecture.Rpn!;
        _dense = new NetworkRunner(dense);
        _boxHead = new NetworkRunner(boxHead);
        _maskHead = maskHead is null ? null : new NetworkRunner(maskHead);
        _proposals = new RpnProposals(_rpn, new LevelAnchors(model.Architecture.Anchors));
        int[] strides = _roi.InFeatures.Select(model.StrideOf).ToArray();
        BoxHeadSpec b = _roi.BoxHead;
        _boxPooler = new RoiPooler(strides, b.PoolerResolution, b.PoolerSamplingRatio, b.PoolerType == "ROIAlignV2");
        if (_roi.MaskHead is { } m) _maskPooler = new RoiPooler(strides, m.PoolerResolution, m.PoolerSamplingRatio, m.PoolerType == "ROIAlignV2");
        _boxInference = new FastRcnnInference(_roi);
        MaskResolution = maskHead?.Outputs.Count > 0 ? maskHead.Output("mask_logits").Shape.Height : 0;
    }

    public int MaskResolution { get; }

    public IReadOnlyList<(Detections Detections, float[]? Masks)> Forward(CpuContext ctx, FeatureMap batch, IReadOnlyList<(int Height, int Width)> imageSizes,
        IStageObserver? observer, CancellationToken cancellationToken)
    {
        int images = batch.Batch;
        Stage.Dense(observer, "input", batch);

        // Backbone, FPN and the RPN head on every level (one graph).
        Dictionary<string, FeatureMap> dense = _dense.Run(ctx, new Dictionary<string, FeatureMap> { ["image"] = batch }, cancellationToken);
        foreach ((string name, _) in _model.FeatureLevels) Stage.Dense(observer, "feat_" + name, dense[name]);
        var objectness = _rpn.InFeatures.Select(f => dense["rpn_objectness_" + f]).ToArray();
        var deltas = _rpn.InFeatures.Select(f => dense["rpn_deltas_" + f]).ToArray();
        for (int l = 0; l < objectness.Length; l++)
        {
            Stage.Dense(observer, "rpn_objectness_" + _rpn.InFeatures[l], objectness[l]);
            Stage.Dense(observer, "rpn_deltas_" + _rpn.InFeatures[l], deltas[l]);
        }

        // RPN: find_top_rpn_proposals per image.
        var proposals = new Detections[images];
        for (int n = 0; n < images; n++)
        {
            proposals[n] = _proposals.Select(objectness, deltas, n, imageSizes[n].Height, imageSizes[n].Width);
            Stage.Rows(observer, "rpn_proposals_xyxy", n, proposals[n].Boxes, 4);
            Stage.Rows(observer, "rpn_proposals_logits", n, proposals[n].Scores, 1);
        }
        cancellationToken.ThrowIfCancellationRequested();

        // Box head on the proposals of all images, then per-image inference.
        var features = _roi.InFeatures.Select(f => dense[f]).ToArray();
        FeatureMap pooled = _boxPooler.Pool(ctx, features, proposals.Select(p => p.Boxes).ToArray());
        FeatureMap? cls = null, del = null;
        if (pooled.Batch > 0)
        {
            Dictionary<string, FeatureMap> head = _boxHead.Run(ctx, new Dictionary<string, FeatureMap> { ["box_features"] = pooled }, cancellationToken);
            cls = head["cls_logits"];
            del = head["box_deltas"];
        }
        var detections = new Detections[images];
        int row = 0;
        for (int n = 0; n < images; n++)
        {
            int r = proposals[n].Count;
            ReadOnlySpan<float> c = cls is null ? default : cls.Data.AsSpan(row * cls.Channels, r * cls.Channels);
            ReadOnlySpan<float> d = del is null ? default : del.Data.AsSpan(row * del.Channels, r * del.Channels);
            Stage.Rows(observer, "box_cls_logits", n, c, cls?.Channels ?? (_roi.NumClasses + 1));
            Stage.Rows(observer, "box_deltas", n, d, del?.Channels ?? (4 * _roi.NumClasses));
            detections[n] = _boxInference.Run(c, d, proposals[n].Boxes, imageSizes[n].Height, imageSizes[n].Width);
            Stage.Rows(observer, "det_boxes_xyxy_input", n, detections[n].Boxes, 4);
            Stage.Rows(observer, "det_scores", n, detections[n].Scores, 1);
            if (observer is not null) Stage.Rows(observer, "det_classes", n, detections[n].Labels.Select(x => (float)x).ToArray(), 1);
            row += r;
        }

        var results = new (Detections, float[]?)[images];
        if (_maskHead is null || _maskPooler is null)
        {
            for (int n = 0; n < images; n++) results[n] = (detections[n], null);
            return results;
        }

        // Mask head on the final boxes (resized coordinates): the predicted class's channel, sigmoid (mask_head.py mask_rcnn_inference).
        FeatureMap maskPooled = _maskPooler.Pool(ctx, features, detections.Select(d => d.Boxes).ToArray());
        FeatureMap? logits = null;
        if (maskPooled.Batch > 0)
            logits = _maskHead.Run(ctx, new Dictionary<string, FeatureMap> { ["mask_features"] = maskPooled }, cancellationToken)["mask_logits"];
        int m = MaskResolution, m2 = m * m;
        row = 0;
        for (int n = 0; n < images; n++)
        {
            Detections det = detections[n];
            var chosen = new float[det.Count * m2];
            for (int i = 0; i < det.Count; i++)
            {
                int channel = logits!.Channels == 1 ? 0 : det.Labels[i];
                logits.Data.AsSpan(((row + i) * logits.Channels + channel) * m2, m2).CopyTo(chosen.AsSpan(i * m2, m2));
            }
            observer?.Observe("mask_logits", n, [det.Count, 1, m, m], chosen);
            if (chosen.Length > 0) Activations.Sigmoid(chosen, chosen);
            results[n] = (det, chosen);
            row += det.Count;
        }
        return results;
    }
}
