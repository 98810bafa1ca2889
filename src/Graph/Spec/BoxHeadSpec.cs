namespace Detserve.Graph.Spec;

/// <summary>
/// FastRCNNConvFCHead + FastRCNNOutputLayers (MODEL.ROI_BOX_HEAD.*, detectron2/modeling/roi_heads/box_head.py, fast_rcnn.py).
/// </summary>
/// <param name="NumConv">MODEL.ROI_BOX_HEAD.NUM_CONV.</param>
/// <param name="ConvDim">MODEL.ROI_BOX_HEAD.CONV_DIM.</param>
/// <param name="NumFc">MODEL.ROI_BOX_HEAD.NUM_FC.</param>
/// <param name="FcDim">MODEL.ROI_BOX_HEAD.FC_DIM.</param>
/// <param name="Norm">MODEL.ROI_BOX_HEAD.NORM.</param>
/// <param name="PoolerResolution">MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION (7).</param>
/// <param name="PoolerSamplingRatio">MODEL.ROI_BOX_HEAD.POOLER_SAMPLING_RATIO (0 = adaptive).</param>
/// <param name="PoolerType">MODEL.ROI_BOX_HEAD.POOLER_TYPE ("ROIAlignV2" = aligned=True).</param>
/// <param name="BboxRegWeights">MODEL.ROI_BOX_HEAD.BBOX_REG_WEIGHTS (10, 10, 5, 5).</param>
/// <param name="ClsAgnosticBboxReg">MODEL.ROI_BOX_HEAD.CLS_AGNOSTIC_BBOX_REG.</param>
public sealed record BoxHeadSpec(
    int NumConv,
    int ConvDim,
    int NumFc,
    int FcDim,
    string Norm,
    int PoolerResolution,
    int PoolerSamplingRatio,
    string PoolerType,
    IReadOnlyList<double> BboxRegWeights,
    bool ClsAgnosticBboxReg);
