namespace Detserve.Runtime;

/// <summary>What <see cref="GpuBenchmark.Run"/> times.</summary>
/// <param name="Batch">Images per run (seeded, all of the bench size).</param>
/// <param name="Height">Image height; the caller sets INPUT.MIN_SIZE_TEST / MAX_SIZE_TEST so that no resize happens.</param>
/// <param name="Width">Image width.</param>
/// <param name="Precision">"fp32" or "fp16" (as <see cref="PredictorOptions.Precision"/>).</param>
/// <param name="Warmup">Untimed runs first (graph capture, cuDNN/cuBLASLt autotuning settle).</param>
/// <param name="Iterations">Timed runs.</param>
/// <param name="Device">"cuda" or "cuda:N".</param>
/// <param name="CudaGraph">Replay a captured CUDA graph per run (true) or enqueue every kernel each run (false).</param>
public sealed record GpuBenchmarkOptions(int Batch, int Height, int Width, string Precision = "fp16", int Warmup = 10, int Iterations = 100,
    string Device = "cuda", bool CudaGraph = true);
