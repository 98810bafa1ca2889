namespace Detserve.Graph.Spec;

/// <summary>
/// RPN with StandardRPNHead (MODEL.RPN.*, detectron2/modeling/proposal_generator/rpn.py and proposal_utils.py).
/// </summary>
/// <param name="InFeatures">MODEL.RPN.IN_FEATURES, e.g. p2..p6.</param>
/// <param name="ConvDims">MODEL.RPN.CONV_DIMS; [-1] means one conv of the input's channel count.</param>
/// <param name="PreNmsTopKTest">MODEL.RPN.PRE_NMS_TOPK_TEST, per level.</param>
/// <param name="PostNmsTopKTest">MODEL.RPN.POST_NMS_TOPK_TEST, per image.</param>
/// <param name="NmsThresh">MODEL.RPN.NMS_THRESH.</param>
/// <param name="MinSize">Proposal minimum side (Detectron2's PROPOSAL_GENERATOR.MIN_SIZE, 0).</param>
/// <param name="BboxRegWeights">MODEL.RPN.BBOX_REG_WEIGHTS (1, 1, 1, 1).</param>
public sealed record RpnSpec(
    IReadOnlyList<string> InFeatures,
    IReadOnlyList<int> ConvDims,
    int PreNmsTopKTest,
    int PostNmsTopKTest,
    double NmsThresh,
    double MinSize,
    IReadOnlyList<double> BboxRegWeights);
