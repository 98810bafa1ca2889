namespace Detserve.Import.Model;

/// <summary>One FPN output level in a <see cref="ModelSummary"/>.</summary>
/// <param name="Name">"p2".."p7".</param>
/// <param name="Stride">Stride in input pixels.</param>
/// <param name="Channels">Channels (MODEL.FPN.OUT_CHANNELS).</param>
/// <param name="Source">Where it comes from: "lateral res2 + top-down", "max_pool(p5)", "conv3x3/2(res5)", ...</param>
public sealed record FpnLevelSummary(string Name, int Stride, int Channels, string Source);
