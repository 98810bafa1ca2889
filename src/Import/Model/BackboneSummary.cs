namespace Detserve.Import.Model;

/// <summary>The bottom-up ResNet in a <see cref="ModelSummary"/>.</summary>
/// <param name="Name">E.g. "ResNet-50" or "ResNeXt-101 32x8d".</param>
/// <param name="Depth">MODEL.RESNETS.DEPTH.</param>
/// <param name="Block">"BottleneckBlock" or "BasicBlock".</param>
/// <param name="Norm">MODEL.RESNETS.NORM.</param>
/// <param name="StrideInOneByOne">MODEL.RESNETS.STRIDE_IN_1X1.</param>
/// <param name="NumGroups">MODEL.RESNETS.NUM_GROUPS.</param>
/// <param name="WidthPerGroup">MODEL.RESNETS.WIDTH_PER_GROUP.</param>
/// <param name="StemOutChannels">MODEL.RESNETS.STEM_OUT_CHANNELS.</param>
/// <param name="Stages">The stages built.</param>
/// <param name="OutFeatures">MODEL.RESNETS.OUT_FEATURES.</param>
public sealed record BackboneSummary(
    string Name,
    int Depth,
    string Block,
    string Norm,
    bool StrideInOneByOne,
    int NumGroups,
    int WidthPerGroup,
    int StemOutChannels,
    IReadOnlyList<StageSummary> Stages,
    IReadOnlyList<string> OutFeatures);
