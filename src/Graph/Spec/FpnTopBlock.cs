namespace Detserve.Graph.Spec;

/// <summary>The extra FPN levels above the last lateral (detectron2/modeling/backbone/fpn.py).</summary>
public enum FpnTopBlock
{
    /// <summary>No extra level.</summary>
    None,

    /// <summary>p6 = max_pool2d(p5, kernel 1, stride 2) (build_resnet_fpn_backbone).</summary>
    LastLevelMaxPool,

    /// <summary>p6 = conv3x3/2(in), p7 = conv3x3/2(relu(p6)) (build_retinanet_resnet_fpn_backbone).</summary>
    LastLevelP6P7,
}
