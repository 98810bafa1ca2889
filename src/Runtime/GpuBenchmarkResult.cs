namespace Detserve.Runtime;

/// <summary>
/// Timings of <see cref="GpuBenchmark.Run"/>.
/// </summary>
/// <param name="DeviceName">The GPU, as the driver names it, with architecture and memory.</param>
/// <param name="Batch">Images per run.</param>
/// <param name="Height">Image height.</param>
/// <param name="Width">Image width.</param>
/// <param name="Precision">"fp32" or "fp16".</param>
/// <param name="CudaGraph">Whether runs replayed a CUDA graph.</param>
/// <param name="ComputeMs">Per timed run: CUDA events around the whole network on the device (preprocess from the uint8 images
/// already on the device, backbone, FPN, RPN, box head, box inference, mask head, paste of every detection's mask at image size; for
/// RetinaNet backbone, FPN, head and its post-processing).</param>
/// <param name="HostLatencyMs">Per timed run: wall time of a Predictor.Run equivalent (upload of the uint8 images, the run,
/// download of boxes, scores, classes and M x M mask probabilities, Instances built).</param>
/// <param name="PeakDeviceMemoryBytes">Device memory the engine held at its peak (its allocations: weights, plan arena, scratch,
/// workspaces, paste output), measured with cuMemGetInfo before the engine was built and after the last run.</param>
/// <param name="DetectionsPerImage">Detections of each image in the last run.</param>
/// <param name="StageMs">Per-stage medians from CUDA events between stages in a separate non-graph pass (may be empty).</param>
public sealed record GpuBenchmarkResult(
    string DeviceName,
    int Batch,
    int Height,
    int Width,
    string Precision,
    bool CudaGraph,
    IReadOnlyList<double> ComputeMs,
    IReadOnlyList<double> HostLatencyMs,
    long PeakDeviceMemoryBytes,
    IReadOnlyList<int> DetectionsPerImage,
    IReadOnlyDictionary<string, double> StageMs);
