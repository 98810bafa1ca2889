namespace Detserve.Graph.Spec;

/// <summary>
/// The bottom-up ResNet (MODEL.RESNETS.*, detectron2/modeling/backbone/resnet.py build_resnet_backbone).
/// Stage widths follow Detectron2: bottleneck channels of res2 = NUM_GROUPS * WIDTH_PER_GROUP, out = RES2_OUT_CHANNELS,
/// both doubling per stage. BasicBlock for depth 18/34, BottleneckBlock for 50/101/152.
/// </summary>
/// <param name="Depth">MODEL.RESNETS.DEPTH.</param>
/// <param name="Norm">MODEL.RESNETS.NORM ("FrozenBN", "BN", "GN", "SyncBN", "").</param>
/// <param name="StemOutChannels">MODEL.RESNETS.STEM_OUT_CHANNELS.</param>
/// <param name="Res2OutChannels">MODEL.RESNETS.RES2_OUT_CHANNELS.</param>
/// <param name="NumGroups">MODEL.RESNETS.NUM_GROUPS.</param>
/// <param name="WidthPerGroup">MODEL.RESNETS.WIDTH_PER_GROUP.</param>
/// <param name="StrideInOneByOne">MODEL.RESNETS.STRIDE_IN_1X1: stride on the first 1x1 conv instead of the 3x3.</param>
/// <param name="Res5Dilation">MODEL.RESNETS.RES5_DILATION (1 or 2).</param>
/// <param name="OutFeatures">MODEL.RESNETS.OUT_FEATURES, e.g. ["res2", "res3", "res4", "res5"].</param>
/// <param name="BlocksPerStage">Blocks per stage implied by the depth (e.g. 3, 4, 6, 3 for 50), for the stages built: res2 up to the
/// deepest of <paramref name="OutFeatures"/> (ResNet.__init__ drops later stages), so 4 entries for every FPN model.</param>
public sealed record ResNetSpec(
    int Depth,
    string Norm,
    int StemOutChannels,
    int Res2OutChannels,
    int NumGroups,
    int WidthPerGroup,
    bool StrideInOneByOne,
    int Res5Dilation,
    IReadOnlyList<string> OutFeatures,
    IReadOnlyList<int> BlocksPerStage)
{
    /// <summary>FrozenBatchNorm2d's eps (detectron2/layers/batch_norm.py).</summary>
    public const double FrozenBnEps = 1e-5;

    /// <summary>True for depth 18 and 34 (BasicBlock), false for bottleneck depths.</summary>
    public bool UsesBasicBlock => Depth is 18 or 34;
}
