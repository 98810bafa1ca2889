namespace Detserve.Runtime;

/// <summary>How a <see cref="Predictor"/> runs.</summary>
/// <param name="Device">"cpu" (the CUDA backend adds "cuda").</param>
/// <param name="Threads">CPU threads; 0 = all cores.</param>
/// <param name="Precision">"fp32" (the CPU path computes in float32 only).</param>
public sealed record PredictorOptions(string Device = "cpu", int Threads = 0, string Precision = "fp32");
