namespace Detserve.Cli.Commands.Bench;

/// <summary>
/// What the bench prints and writes for one (size, batch) on the GPU: Runtime's GpuBenchmarkResult summarized
/// (milliseconds), plus the ratios against the peer when --peer-json was given.
/// </summary>
/// <param name="Compute">CUDA-event time of the whole network run per iteration (images already on the GPU).</param>
/// <param name="Host">Upload + run + download + Instances per iteration, host clock.</param>
/// <param name="StageMs">Per-stage GPU time of one run, when the runtime reports it.</param>
public sealed record GpuBenchReport(
    string DeviceName,
    int Batch,
    int Height,
    int Width,
    string Precision,
    bool CudaGraph,
    LatencyStats Compute,
    LatencyStats Host,
    long PeakDeviceMemoryBytes,
    IReadOnlyList<int> DetectionsPerImage,
    IReadOnlyDictionary<string, double> StageMs,
    IReadOnlyList<double> ComputeMs,
    IReadOnlyList<double> HostLatencyMs,
    IReadOnlyList<PeerRatio> Ratios)
{
    /// <summary>The bench spec's detections per image (SCORE_THRESH_TEST 0.0, TEST.DETECTIONS_PER_IMAGE 100).</summary>
    public const int SpecDetections = 100;

    /// <summary>Images per second from the median GPU compute time.</summary>
    public double ComputeThroughput => Batch * 1000.0 / Compute.Median;

    /// <summary>Images per second from the median host latency.</summary>
    public double HostThroughput => Batch * 1000.0 / Host.Median;

    /// <summary>True when every image yielded the spec's 100 detections (worst-case post-processing).</summary>
    public bool MeetsDetectionSpec => DetectionsPerImage.Count == Batch && DetectionsPerImage.All(d => d == SpecDetections);
}
