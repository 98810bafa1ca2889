using Detserve.Backends.Cpu;
using Detserve.Graph;
using Detserve.Graph.Spec;

namespace Detserve.Runtime;

/// <summary>RetinaNet inference (detectron2/modeling/meta_arch/retinanet.py): backbone + FPN + head (the dense graph), then per-image decoding.</summary>
internal sealed class RetinaNetDetector : IDetector
{
    private readonly ModelGraph _model;
    private readonly RetinaNetSpec _spec;
    private readonly NetworkRunner _dense;
    private readonly RetinaNetInference _inference;

    public RetinaNetDetector(ModelGraph model, NetworkGraph dense)
    {
        _model = model;
        _spec = model.Architecture.RetinaNet!;
        _dense = new NetworkRunner(dense);
        _inference = new RetinaNetInference(_spec, new LevelAnchors(model.Architecture.Anchors));
    }

    public int MaskResolution => 0;

    public IReadOnlyList<(Detections Detections, float[]? Masks)> Forward(CpuContext ctx, FeatureMap batch, IReadOnlyList<(int Height, int Width)> imageSizes,
        IStageObserver? observer, CancellationToken cancellationToken)
    {
        Stage.Dense(observer, "input", batch);
        Dictionary<string, FeatureMap> dense = _dense.Run(ctx, new Dictionary<string, FeatureMap> { ["image"] = batch }, cancellationToken);
        foreach ((string name, _) in _model.FeatureLevels) Stage.Dense(observer, "feat_" + name, dense[name]);
        var cls = _spec.InFeatures.Select(f => dense["head_cls_" + f]).ToArray();
        var box = _spec.InFeatures.Select(f => dense["head_box_" + f]).ToArray();
        for (int l = 0; l < cls.Length; l++)
        {
            Stage.Dense(observer, "head_cls_" + _spec.InFeatures[l], cls[l]);
            Stage.Dense(observer, "head_box_" + _spec.InFeatures[l], box[l]);
        }
        var results = new (Detections, float[]?)[batch.Batch];
        for (int n = 0; n < batch.Batch; n++)
        {
            results[n] = (_inference.Run(cls, box, n), null);
            Stage.Rows(observer, "det_boxes_xyxy_input", n, results[n].Item1.Boxes, 4);
            Stage.Rows(observer, "det_scores", n, results[n].Item1.Scores, 1);
        }
        return results;
    }
}
