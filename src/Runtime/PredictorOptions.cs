namespace Detserve.Runtime;

/// <summary>How a <see cref="Predictor"/> runs.</summary>
/// <param name="Device">"cpu", or "cuda" / "cuda:N" (PyTorch's device strings; parsed by Backends.Cuda's CudaDeviceName).</param>
/// <param name="Threads">CPU threads; 0 = all cores. The CUDA path uses the host only for resizing and ignores it.</param>
/// <param name="Precision">"fp32" (the CPU computes in float32 only; on CUDA FP32 storage with TF32 convolutions, as PyTorch's
/// cuDNN default allow_tf32 = True, and full FP32 GEMMs, as its matmul default allow_tf32 = False) or "fp16" (CUDA only: NHWC FP16
/// convolutions and GEMMs on tensor cores, post-processing in FP32).</param>
/// <param name="MaxBatch">The largest batch one run accepts (an engine file's build-time limit); 0 = no limit.</param>
/// <param name="ShapeBuckets">Padded sizes batches are rounded up to (one CUDA graph per bucket and batch size); null = each batch's own size.</param>
public sealed record PredictorOptions(string Device = "cpu", int Threads = 0, string Precision = "fp32", int MaxBatch = 0, ShapeBuckets? ShapeBuckets = null);
