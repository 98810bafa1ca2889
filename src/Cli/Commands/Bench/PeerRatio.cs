namespace Detserve.Cli.Commands.Bench;

/// <summary>
/// ratio = peer median GPU time / Detserve median GPU compute time for one (batch, size), against one of the peer's
/// modes ("fp32" eager or "fp16" autocast); above 1 means Detserve is faster.
/// </summary>
public sealed record PeerRatio(int Batch, int Height, int Width, string PeerPrecision, double PeerMedianMs, double DetserveMedianMs, double Ratio)
{
    /// <summary>The peer's mode as the issue names it: "eager FP32" or "autocast FP16".</summary>
    public string PeerMode => PeerPrecision == "fp16" ? "autocast FP16" : "eager FP32";
}
