namespace Detserve.Bench.Gpu;

/// <summary>One op's GPU time: median, min and p90 of per-call milliseconds over the timed repeats.</summary>
internal sealed record KernelTiming(string Name, string Shape, double MedianMs, double MinMs, double P90Ms, int Calls);
