namespace Detserve.Graph.Spec;

/// <summary>
/// The FPN (MODEL.FPN.*). Output features are named "p2".."p6" (or "p3".."p7" for RetinaNet) after the
/// stride of each level, as Detectron2 names them.
/// </summary>
/// <param name="InFeatures">MODEL.FPN.IN_FEATURES (ResNet stage names).</param>
/// <param name="OutChannels">MODEL.FPN.OUT_CHANNELS.</param>
/// <param name="Norm">MODEL.FPN.NORM ("" = convs with bias).</param>
/// <param name="FuseType">MODEL.FPN.FUSE_TYPE ("sum" or "avg").</param>
/// <param name="TopBlock">Extra levels, from MODEL.BACKBONE.NAME.</param>
/// <param name="TopBlockInFeature">Feature the top block reads: "p5" for LastLevelMaxPool; for LastLevelP6P7 "res5" (in_channels_p6p7 = res5 channels) or "p5" when the channels equal (Detectron2's rule).</param>
/// <param name="TopBlockInChannels">Channels of <paramref name="TopBlockInFeature"/>.</param>
public sealed record FpnSpec(
    IReadOnlyList<string> InFeatures,
    int OutChannels,
    string Norm,
    string FuseType,
    FpnTopBlock TopBlock,
    string TopBlockInFeature,
    int TopBlockInChannels);
