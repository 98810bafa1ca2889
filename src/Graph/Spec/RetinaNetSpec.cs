namespace Detserve.Graph.Spec;

/// <summary>RetinaNet head and inference (MODEL.RETINANET.*, detectron2/modeling/meta_arch/retinanet.py).</summary>
/// <param name="NumClasses">MODEL.RETINANET.NUM_CLASSES.</param>
/// <param name="InFeatures">MODEL.RETINANET.IN_FEATURES (p3..p7).</param>
/// <param name="NumConvs">MODEL.RETINANET.NUM_CONVS (subnet depth).</param>
/// <param name="Norm">MODEL.RETINANET.NORM ("" = no norm).</param>
/// <param name="ScoreThreshTest">MODEL.RETINANET.SCORE_THRESH_TEST.</param>
/// <param name="TopkCandidatesTest">MODEL.RETINANET.TOPK_CANDIDATES_TEST.</param>
/// <param name="NmsThreshTest">MODEL.RETINANET.NMS_THRESH_TEST.</param>
/// <param name="BboxRegWeights">MODEL.RETINANET.BBOX_REG_WEIGHTS.</param>
/// <param name="DetectionsPerImage">TEST.DETECTIONS_PER_IMAGE.</param>
public sealed record RetinaNetSpec(
    int NumClasses,
    IReadOnlyList<string> InFeatures,
    int NumConvs,
    string Norm,
    double ScoreThreshTest,
    int TopkCandidatesTest,
    double NmsThreshTest,
    IReadOnlyList<double> BboxRegWeights,
    int DetectionsPerImage);
