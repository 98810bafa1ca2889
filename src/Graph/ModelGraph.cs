using Detserve.Graph.Spec;

namespace Detserve.Graph;

/// <summary>
/// A whole Detectron2 model as graphs: <see cref="Dense"/> runs on the padded image batch (backbone, FPN and the dense heads: RPN head
/// or RetinaNet head, applied to every level); <see cref="BoxHead"/> and <see cref="MaskHead"/> run on ROI-aligned features
/// (batch = number of boxes). The stages between them (anchors, proposal selection, ROI pooling, per-class NMS, mask paste) are
/// fixed algorithms whose settings live in <see cref="Architecture"/>.
/// </summary>
/// <param name="Architecture">The spec the graphs were built from.</param>
/// <param name="Dense">Input "image" (3 channels); outputs the FPN levels ("p2".."p6" or "p3".."p7") and per head level
/// "rpn_objectness_pK" (A channels) + "rpn_deltas_pK" (4A) or "head_cls_pK" (A*K) + "head_box_pK" (4A).</param>
/// <param name="BoxHead">Input "box_features" (C x R x R); outputs "cls_logits" (K + 1) and "box_deltas" (4K or 4).</param>
/// <param name="MaskHead">Input "mask_features" (C x R x R); output "mask_logits" (K or 1 channels, 2R x 2R).</param>
/// <param name="FeatureLevels">FPN output names in stride order, and their strides.</param>
public sealed record ModelGraph(
    ArchitectureSpec Architecture,
    NetworkGraph Dense,
    NetworkGraph? BoxHead,
    NetworkGraph? MaskHead,
    IReadOnlyList<(string Name, int Stride)> FeatureLevels)
{
    /// <summary>Stride of FPN output <paramref name="name"/>.</summary>
    public int StrideOf(string name)
    {
        foreach ((string n, int s) in FeatureLevels) if (n == name) return s;
        throw new KeyNotFoundException($"model has no feature level '{name}' (levels: {string.Join(", ", FeatureLevels.Select(l => l.Name))})");
    }
}
