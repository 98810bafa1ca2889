namespace Detserve.Graph.Spec;

/// <summary>
/// Everything about a model's structure that a resolved Detectron2 config decides, in typed form.
/// Made by Import (ArchitectureMapper) from a config, consumed by inspect, the weight binder and the engine.
/// Exactly one of <see cref="RoiHeads"/> (GeneralizedRCNN, with <see cref="Rpn"/>) and <see cref="RetinaNet"/> is set.
/// </summary>
public sealed record ArchitectureSpec(
    MetaArchitecture MetaArchitecture,
    InputSpec Input,
    ResNetSpec Backbone,
    FpnSpec Fpn,
    AnchorSpec Anchors,
    RpnSpec? Rpn,
    RoiHeadsSpec? RoiHeads,
    RetinaNetSpec? RetinaNet)
{
    /// <summary>Size divisibility of the padded input (32 for FPN backbones, detectron2/modeling/backbone/fpn.py).</summary>
    public int SizeDivisibility { get; init; } = 32;

    /// <summary>Foreground classes the model predicts (MODEL.ROI_HEADS.NUM_CLASSES or MODEL.RETINANET.NUM_CLASSES).</summary>
    public int NumClasses => RoiHeads?.NumClasses ?? RetinaNet!.NumClasses;

    /// <summary>True when the model predicts masks.</summary>
    public bool MaskOn => RoiHeads?.MaskHead is not null;
}
