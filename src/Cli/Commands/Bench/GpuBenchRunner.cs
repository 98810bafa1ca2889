using Detserve.Graph;
using Detserve.Runtime;

namespace Detserve.Cli.Commands.Bench;

/// <summary>One (size, batch) of the GPU bench: Runtime's <see cref="GpuBenchmark"/> run and summarized for printing and --json.</summary>
public static class GpuBenchRunner
{
    /// <summary>Runs <see cref="GpuBenchmark.Run(ModelGraph, GpuBenchmarkOptions, Action{string}, CancellationToken)"/> and turns its
    /// timings into a <see cref="GpuBenchReport"/> with the peer's ratios.</summary>
    public static GpuBenchReport Run(ModelGraph model, GpuBenchmarkOptions options, PeerResults? peer, Action<string>? log, CancellationToken cancellationToken)
    {
        GpuBenchmarkResult result;
        try
        {
            result = GpuBenchmark.Run(model, options, log, cancellationToken);
        }
        catch (NotSupportedException e)
        {
            // No CUDA driver ("no CUDA driver found: libcuda.so.1 ..."), or a model the CUDA path does not run: a one-line error.
            throw new CliException(e.Message, e);
        }
        return ToReport(result, peer);
    }

    /// <summary>The report of one benchmark result; ratios against <paramref name="peer"/> when given.</summary>
    public static GpuBenchReport ToReport(GpuBenchmarkResult result, PeerResults? peer)
    {
        ArgumentNullException.ThrowIfNull(result);
        string what = $"{result.Height}x{result.Width} batch {result.Batch}";
        LatencyStats compute = LatencyStats.From(result.ComputeMs, what + " GPU compute");
        LatencyStats host = LatencyStats.From(result.HostLatencyMs, what + " host latency");
        IReadOnlyList<PeerRatio> ratios = peer?.Ratios(result.Batch, result.Height, result.Width, compute.Median) ?? [];
        return new GpuBenchReport(result.DeviceName, result.Batch, result.Height, result.Width, result.Precision, result.CudaGraph,
            compute, host, result.PeakDeviceMemoryBytes, result.DetectionsPerImage, result.StageMs, result.ComputeMs, result.HostLatencyMs, ratios);
    }
}
