namespace Detserve.Graph.Spec;

/// <summary>
/// MaskRCNNConvUpsampleHead (MODEL.ROI_MASK_HEAD.*, detectron2/modeling/roi_heads/mask_head.py):
/// NumConv x (conv3x3 + ReLU), ConvTranspose 2x2/2 + ReLU, 1x1 predictor.
/// </summary>
/// <param name="NumConv">MODEL.ROI_MASK_HEAD.NUM_CONV.</param>
/// <param name="ConvDim">MODEL.ROI_MASK_HEAD.CONV_DIM.</param>
/// <param name="Norm">MODEL.ROI_MASK_HEAD.NORM.</param>
/// <param name="PoolerResolution">MODEL.ROI_MASK_HEAD.POOLER_RESOLUTION (14).</param>
/// <param name="PoolerSamplingRatio">MODEL.ROI_MASK_HEAD.POOLER_SAMPLING_RATIO.</param>
/// <param name="PoolerType">MODEL.ROI_MASK_HEAD.POOLER_TYPE.</param>
/// <param name="ClsAgnosticMask">MODEL.ROI_MASK_HEAD.CLS_AGNOSTIC_MASK.</param>
public sealed record MaskHeadSpec(
    int NumConv,
    int ConvDim,
    string Norm,
    int PoolerResolution,
    int PoolerSamplingRatio,
    string PoolerType,
    bool ClsAgnosticMask);
