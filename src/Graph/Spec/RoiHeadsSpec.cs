namespace Detserve.Graph.Spec;

/// <summary>StandardROIHeads (MODEL.ROI_HEADS.*, detectron2/modeling/roi_heads/roi_heads.py).</summary>
/// <param name="NumClasses">MODEL.ROI_HEADS.NUM_CLASSES (foreground classes; the classifier has K + 1 outputs, background last).</param>
/// <param name="InFeatures">MODEL.ROI_HEADS.IN_FEATURES (p2..p5).</param>
/// <param name="InFeatureStrides">Stride of each in-feature (4, 8, 16, 32): the pooler's scales are 1/stride.</param>
/// <param name="ScoreThreshTest">MODEL.ROI_HEADS.SCORE_THRESH_TEST.</param>
/// <param name="NmsThreshTest">MODEL.ROI_HEADS.NMS_THRESH_TEST.</param>
/// <param name="DetectionsPerImage">TEST.DETECTIONS_PER_IMAGE.</param>
/// <param name="BoxHead">The box head.</param>
/// <param name="MaskHead">The mask head, or null when MODEL.MASK_ON is false.</param>
public sealed record RoiHeadsSpec(
    int NumClasses,
    IReadOnlyList<string> InFeatures,
    IReadOnlyList<int> InFeatureStrides,
    double ScoreThreshTest,
    double NmsThreshTest,
    int DetectionsPerImage,
    BoxHeadSpec BoxHead,
    MaskHeadSpec? MaskHead);
