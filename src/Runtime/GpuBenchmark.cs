using System.Diagnostics;
using Detserve.Backends.Cuda;
using Detserve.Backends.Cuda.Native;
using Detserve.Graph;
using Detserve.Graph.Build;
using Detserve.Graph.Spec;
using Detserve.Runtime.Cuda;
using Detserve.Vision;

namespace Detserve.Runtime;

/// <summary>
/// Times the CUDA detector of the model's meta-architecture (<see cref="CudaDetector"/> for GeneralizedRCNN,
/// <see cref="CudaRetinaNetDetector"/> for RetinaNet) at the bench spec (DESIGN.md "Performance"): seeded images of one size, every
/// detection's mask pasted at image size where the model has masks. GPU compute with CUDA events around the whole device run (images
/// already on the device); host latency around a Predictor.Run equivalent (upload, run, download, Instances); peak device memory from
/// cuMemGetInfo; per-stage medians from events in a separate op-by-op pass. Used by bench/gpu and the CLI's bench command.
/// </summary>
public static class GpuBenchmark
{
    private const int StageRuns = 20;

    /// <summary>Builds the detector, warms up, then runs <see cref="GpuBenchmarkOptions.Iterations"/> timed runs of each kind.</summary>
    /// <exception cref="NotSupportedException">a model the CUDA path does not run, or no CUDA driver.</exception>
    public static GpuBenchmarkResult Run(ArchitectureSpec architecture, IReadOnlyDictionary<string, HostTensor> weights, GpuBenchmarkOptions options,
        Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(weights);
        CheckSupported(architecture);
        return Run(ModelGraphBuilder.Build(architecture, weights, out _), options, log, cancellationToken);
    }

    /// <summary>As the overload above on a model graph (built, or compiled from an engine file).</summary>
    public static GpuBenchmarkResult Run(ModelGraph model, GpuBenchmarkOptions options, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArchitectureSpec architecture = model.Architecture;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Width, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Warmup);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Iterations, 1);
        int ordinal = CudaDeviceName.Parse(options.Device);
        GpuPrecision precision = GpuPrecisionName.Parse(options.Precision);
        CheckSupported(architecture);

        var originals = new RgbImage[options.Batch];
        var resized = new RgbImage[options.Batch];
        for (int i = 0; i < options.Batch; i++)
        {
            originals[i] = SeededModel.SeededImage(options.Width, options.Height, 1000 + i);
            resized[i] = ImagePreprocessor.Resize(originals[i], architecture.Input);
        }

        // The primary context first, so that the baseline excludes it (as torch.cuda.max_memory_allocated does).
        using CudaDevice device = OpenDevice(ordinal, options.Device);
        (long freeBefore, _) = device.MemoryInfo();
        if (architecture.MetaArchitecture == MetaArchitecture.RetinaNet)
        {
            using CudaRetinaNetDetector retina = CudaRetinaNetDetector.Create(model, ordinal, precision);
            return Time(retina, device, freeBefore, options, originals, resized, log, cancellationToken);
        }
        using CudaDetector rcnn = CudaDetector.Create(model, ordinal, precision);
        return Time(rcnn, device, freeBefore, options, originals, resized, log, cancellationToken);
    }

    /// <summary>Throws <see cref="NotSupportedException"/> naming the config key when the CUDA detector of <paramref name="architecture"/>'s meta-architecture cannot run it.</summary>
    public static void CheckSupported(ArchitectureSpec architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        if (architecture.MetaArchitecture == MetaArchitecture.RetinaNet) CudaRetinaNetDetector.CheckSupported(architecture);
        else CudaDetector.CheckSupported(architecture);
    }

    private static GpuBenchmarkResult Time<TPlan>(IGpuPlannedDetector<TPlan> detector, CudaDevice device, long freeBefore, GpuBenchmarkOptions options,
        RgbImage[] originals, RgbImage[] resized, Action<string>? log, CancellationToken cancellationToken) where TPlan : class
    {
        var sizes = resized.Select(r => (r.Height, r.Width)).ToArray();
        var outputSizes = originals.Select(r => (r.Height, r.Width)).ToArray();
        detector.UseGraphs = options.CudaGraph;
        // cuDNN's heuristic algorithms, as a Predictor uses them. Measuring them (cudnnFind, MeasureConvAlgorithms) was tried on an H100:
        // b8 800x1333 FP32 49.4 -> 66.6 ms and b1 1344 FP16 5.2 -> 5.6 ms, so it stays off (bench/gpu/NOTES.md).
        detector.MeasureConvAlgorithms = false;
        GpuContext gpu = detector.Gpu;
        CudaStream stream = gpu.Stream;
        log?.Invoke($"device {device.Describe()}; {GpuPrecisionName.Name(detector.Precision)}, batch {options.Batch}, {options.Height}x{options.Width} " +
            $"(resized {sizes[0].Height}x{sizes[0].Width}), CUDA graph {(options.CudaGraph ? "on" : "off")}; weights {detector.WeightBytes / (1 << 20)} MiB");

        long planStart = Stopwatch.GetTimestamp();
        TPlan plan = detector.Plan(detector.KeyFor(sizes));
        log?.Invoke($"plan built in {Stopwatch.GetElapsedTime(planStart).TotalSeconds:F1} s");
        detector.Upload(plan, resized);
        for (int i = 0; i < options.Warmup; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            detector.Execute(plan, sizes, outputSizes);
        }
        stream.Synchronize();
        (_, int paddedHeight, int paddedWidth, long planBytes) = detector.Shape(plan);
        log?.Invoke($"plan {paddedHeight}x{paddedWidth}: {planBytes / (1 << 20)} MiB of buffers; warm-up done");

        // GPU compute: events around the device run only.
        var compute = new List<double>(options.Iterations);
        using (CudaEvent start = gpu.Device.CreateEvent(), end = gpu.Device.CreateEvent())
        {
            for (int i = 0; i < options.Iterations; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                start.Record(stream);
                detector.Execute(plan, sizes, outputSizes);
                end.Record(stream);
                end.Synchronize();
                compute.Add(CudaEvent.ElapsedMilliseconds(start, end));
            }
        }

        // Host latency: what Predictor.Run does after the (here empty) resize.
        var host = new List<double>(options.Iterations);
        int[] detections = new int[options.Batch];
        for (int i = 0; i < options.Iterations; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long t0 = Stopwatch.GetTimestamp();
            detector.Upload(plan, resized);
            detector.Execute(plan, sizes, outputSizes);
            var perImage = detector.Download(plan);
            for (int n = 0; n < perImage.Count; n++)
            {
                Instances instances = DetectorPostprocess.Run(perImage[n].Detections, perImage[n].Masks, detector.MaskResolution,
                    sizes[n].Height, sizes[n].Width, outputSizes[n].Height, outputSizes[n].Width);
                detections[n] = instances.Count;
            }
            host.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        (long freeAfter, _) = device.MemoryInfo();
        long peak = freeBefore - freeAfter;

        (Dictionary<string, double> stages, Dictionary<string, double> nodes) = StageMedians(detector, plan, sizes, outputSizes, cancellationToken);
        log?.Invoke("node time sums (op-by-op pass, ms): " + string.Join(", ", nodes.GroupBy(n => n.Key[..n.Key.IndexOf('/', StringComparison.Ordinal)])
            .Select(g => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{g.Key} {g.Sum(n => n.Value):F3} ({g.Count()} nodes)"))));
        log?.Invoke("slowest nodes (op-by-op pass, median ms): " + string.Join(", ",
            nodes.OrderByDescending(n => n.Value).Take(15).Select(n => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{n.Key} {n.Value:F3}"))));
        log?.Invoke($"compute median {Median(compute):F3} ms, host latency median {Median(host):F3} ms, peak {peak / (1 << 20)} MiB, " +
            $"detections [{string.Join(", ", detections)}]; stages " + string.Join(", ", stages.Select(s => $"{s.Key} {s.Value:F3}")));
        return new GpuBenchmarkResult(device.Describe(), options.Batch, options.Height, options.Width, GpuPrecisionName.Name(detector.Precision), options.CudaGraph,
            compute, host, peak, detections, stages);
    }

    private static CudaDevice OpenDevice(int ordinal, string name)
    {
        try
        {
            return CudaDevice.Open(ordinal, CudaLibraryOptions.Default);
        }
        catch (CudaException e) when (e.InnerException is DllNotFoundException)
        {
            throw new NotSupportedException($"device '{name}': {e.Message}", e);
        }
    }

    /// <summary>
    /// Op-by-op runs with an event after each stage and each network node; the median time of each stage (since the previous stage
    /// mark) and of each node (since the previous mark of any kind; node names carry a "/").
    /// </summary>
    private static (Dictionary<string, double> Stages, Dictionary<string, double> Nodes) StageMedians<TPlan>(IGpuPlannedDetector<TPlan> detector, TPlan plan,
        (int, int)[] sizes, (int, int)[] outputSizes, CancellationToken cancellationToken) where TPlan : class
    {
        GpuContext gpu = detector.Gpu;
        var samples = new Dictionary<string, List<double>>();
        var order = new List<string>();
        for (int run = 0; run < StageRuns; run++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var marks = new List<(string Name, CudaEvent Event)>();
            try
            {
                CudaEvent first = gpu.Device.CreateEvent();
                marks.Add(("", first));
                first.Record(gpu.Stream);
                detector.Enqueue(plan, sizes, outputSizes, name =>
                {
                    CudaEvent e = gpu.Device.CreateEvent();
                    marks.Add((name, e));
                    e.Record(gpu.Stream);
                });
                marks[^1].Event.Synchronize();
                int lastStage = 0;
                for (int i = 1; i < marks.Count; i++)
                {
                    string name = marks[i].Name;
                    bool node = name.Contains('/', StringComparison.Ordinal);
                    if (!samples.TryGetValue(name, out var list))
                    {
                        samples[name] = list = [];
                        order.Add(name);
                    }
                    list.Add(CudaEvent.ElapsedMilliseconds(marks[node ? i - 1 : lastStage].Event, marks[i].Event));
                    if (!node) lastStage = i;
                }
            }
            finally
            {
                foreach ((_, CudaEvent e) in marks) e.Dispose();
            }
        }
        return (order.Where(n => !n.Contains('/', StringComparison.Ordinal)).ToDictionary(n => n, n => Median(samples[n])),
            order.Where(n => n.Contains('/', StringComparison.Ordinal)).ToDictionary(n => n, n => Median(samples[n])));
    }

    private static double Median(IReadOnlyList<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
