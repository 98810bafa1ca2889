using System.Diagnostics;
using Detserve.Graph;
using Detserve.Graph.Build;
using Detserve.Graph.Spec;
using Detserve.Vision;

namespace Detserve.Runtime;

/// <summary>
/// Times <see cref="Predictor.Run(IReadOnlyList{RgbImage}, CancellationToken)"/> end to end (preprocess, network, postprocess; masks
/// pasted for every detection, as DefaultPredictor returns pred_masks) on seeded images of a fixed size. Used by bench/cpu and the
/// CLI's bench command.
/// </summary>
public static class CpuBenchmark
{
    /// <summary>Warm-up runs, then <paramref name="runs"/> timed runs of one batch of <paramref name="batch"/> images.</summary>
    public static CpuBenchmarkResult Run(ArchitectureSpec architecture, IReadOnlyDictionary<string, HostTensor> weights,
        int height, int width, int batch, int warmup, int runs, int threads, Action<string>? log = null) =>
        Run(ModelGraphBuilder.Build(architecture, weights, out _), height, width, batch, warmup, runs, threads, log);

    /// <summary>As the overload above on a model graph (built, or compiled from an engine file).</summary>
    public static CpuBenchmarkResult Run(ModelGraph model, int height, int width, int batch, int warmup, int runs, int threads, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        using Predictor predictor = Predictor.Create(model, new PredictorOptions("cpu", threads, "fp32"));
        var images = new RgbImage[batch];
        for (int i = 0; i < batch; i++) images[i] = SeededModel.SeededImage(width, height, 1000 + i);

        var times = new List<double>();
        var cpu = new List<double>();
        IReadOnlyDictionary<string, double> lastPhases = new Dictionary<string, double>();
        int detections = 0;
        using Process process = Process.GetCurrentProcess();
        for (int i = 0; i < warmup + runs; i++)
        {
            process.Refresh();
            TimeSpan c0 = process.TotalProcessorTime;
            long t0 = Stopwatch.GetTimestamp();
            var timer = new StageTimer();
            IReadOnlyList<Instances> result = predictor.Run(images, timer);
            long tNetwork = Stopwatch.GetTimestamp();
            long masked = 0;
            foreach (Instances r in result)
                for (int d = 0; d < r.Count; d++) masked += r.GetMaskRegion(d)?.Crop.Length ?? 0;
            double s = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            var phases = new Dictionary<string, double>(timer.Phases()) { ["mask_paste"] = Stopwatch.GetElapsedTime(tNetwork).TotalSeconds };
            process.Refresh();
            double c = (process.TotalProcessorTime - c0).TotalSeconds;
            detections = result[0].Count;
            if (i >= warmup)
            {
                times.Add(s);
                cpu.Add(c);
                lastPhases = phases;
            }
            log?.Invoke($"run {i}{(i < warmup ? " (warm-up)" : "")}: {s:F3} s wall, {c:F3} s CPU, {detections} detections, {masked} mask-region pixels; "
                + string.Join(", ", phases.Select(p => $"{p.Key} {p.Value:F2} s")));
        }
        double[] sorted = times.Order().ToArray();
        double median = Median(sorted);
        double p99 = sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(0.99 * sorted.Length) - 1)];
        return new CpuBenchmarkResult(height, width, batch, threads == 0 ? Environment.ProcessorCount : threads, predictor.BackendDescription,
            times, median, times.Average(), sorted[0], p99, cpu, Median(cpu.Order().ToArray()), lastPhases, detections);
    }

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}
