namespace Detserve.Cli.Commands.Bench;

/// <summary>One configuration the PyTorch peer timed (bench/peers/torchvision_maskrcnn.py's "results" array).</summary>
/// <param name="Precision">"fp32" (eager) or "fp16" (autocast).</param>
/// <param name="MedianGpuMs">Median CUDA-event time of model(images), milliseconds.</param>
/// <param name="P99GpuMs">Its 99th percentile.</param>
/// <param name="DetectionsPerImage">Detections the peer returned per image (the spec wants 100 each).</param>
public sealed record PeerEntry(int Batch, int Height, int Width, string Precision, double MedianGpuMs, double P99GpuMs, IReadOnlyList<int> DetectionsPerImage);
