namespace Detserve.Import.Model;

/// <summary>The FPN in a <see cref="ModelSummary"/>.</summary>
/// <param name="InFeatures">MODEL.FPN.IN_FEATURES.</param>
/// <param name="OutChannels">MODEL.FPN.OUT_CHANNELS.</param>
/// <param name="FuseType">MODEL.FPN.FUSE_TYPE.</param>
/// <param name="TopBlock">"LastLevelMaxPool", "LastLevelP6P7" or "None".</param>
/// <param name="Levels">Output levels, finest first.</param>
public sealed record FpnSummary(IReadOnlyList<string> InFeatures, int OutChannels, string FuseType, string TopBlock, IReadOnlyList<FpnLevelSummary> Levels);
