using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Detserve.Graph;
using Detserve.Graph.Build;
using Detserve.Graph.Spec;
using Detserve.Cli.Commands.Bench;
using Detserve.Import.Config;
using Detserve.Import.Model;
using Detserve.Runtime;

namespace Detserve.Cli.Commands;

/// <summary>
/// detserve bench: times a model end to end (preprocess, network, post-process with every mask pasted) on seeded
/// images of fixed sizes and batch sizes, on the CPU or (--device cuda[:N], --precision fp16|fp32) on a GPU with CUDA events,
/// printed like trtexec's summary and written as JSON with --json; --peer-json adds the ratios against the PyTorch peer
/// (bench/peers) run on the same GPU. The test-time resize is set to the identity so the network sees exactly --size.
/// Without --weights (and no MODEL.WEIGHTS), the bench spec's seeded weights are generated: FrozenBN statistics set
/// from one forward pass so that activations stay in range and, with SCORE_THRESH_TEST 0.0, every image yields 100 detections.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var model = new ModelOptions();
        var device = new Option<string>("--device") { Description = "where the model runs: cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
        var precision = new Option<string?>("--precision") { Description = "fp32 or fp16 (fp16 needs --device cuda; default: an engine's precision on a GPU, else fp32)" };
        var threads = new Option<int>("--threads") { Description = "CPU threads (0 = all cores)", DefaultValueFactory = _ => 0 };
        var sizes = new Option<string>("--size") { Description = "input sizes as HxW, comma separated (the network sees exactly this size)", DefaultValueFactory = _ => "800x1333" };
        var batches = new Option<string>("--batch") { Description = "batch sizes, comma separated", DefaultValueFactory = _ => "1" };
        var iterations = new Option<int?>("--iterations") { Description = "timed runs per (size, batch) (default: 5 on the CPU, 100 on the GPU)" };
        var warmup = new Option<int?>("--warmup") { Description = "untimed runs first (default: 1 on the CPU, 10 on the GPU)" };
        var seed = new Option<int>("--seed") { Description = "seed of the generated weights and images", DefaultValueFactory = _ => 0 };
        var json = new Option<FileInfo?>("--json") { Description = "write the numbers as JSON" };
        var peerJson = new Option<FileInfo?>("--peer-json") { Description = "with --device cuda: the JSON of bench/peers/torchvision_maskrcnn.py from the same device; adds ratio = peer / Detserve median GPU time" };
        var noGraph = new Option<bool>("--no-cuda-graph") { Description = "with --device cuda: launch stage by stage instead of replaying a captured CUDA graph" };
        var server = new Option<string?>("--server") { Description = "benchmark a running server instead (http://host:8000 or grpc://host:8001), perf_analyzer style" };
        var serverModel = new Option<string?>("--model") { Description = "with --server: the model to call" };
        var concurrency = new Option<string>("--concurrency") { Description = "with --server: concurrency levels, comma separated", DefaultValueFactory = _ => "1" };
        var inputFile = new Option<FileInfo?>("--input-file") { Description = "with --server: an image to send (default: seeded random inputs)" };
        var window = new Option<double>("--measurement-seconds") { Description = "with --server: measurement window per concurrency level", DefaultValueFactory = _ => 5 };
        var command = new Command("bench", "time a model end to end on seeded images (trtexec-style summary), or a running server (perf_analyzer-style)");
        // --device, --precision and --threads are the bench's own: it takes cuda:N and checks the values itself, so that a bad one
        // is a one-line usage error (exit 2) like every other.
        model.AddTo(command, withRuntime: false, modelRequired: false);
        command.Add(device);
        command.Add(precision);
        command.Add(threads);
        command.Add(server);
        command.Add(serverModel);
        command.Add(concurrency);
        command.Add(inputFile);
        command.Add(window);
        command.Add(sizes);
        command.Add(batches);
        command.Add(iterations);
        command.Add(warmup);
        command.Add(seed);
        command.Add(json);
        command.Add(peerJson);
        command.Add(noGraph);
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(server) is { } url)
            {
                return await RunServerBenchAsync(url, parse.GetValue(serverModel), ParseInts("--concurrency", parse.GetValue(concurrency)!),
                    parse.GetValue(inputFile)?.FullName, parse.GetValue(window), parse.GetValue(json)?.FullName, ct).ConfigureAwait(false);
            }
            BenchDevice target = BenchDevice.Parse(parse.GetValue(device)!);
            // An explicit precision is checked before anything loads; without one, an engine's own applies (on a GPU).
            string? requested = parse.GetValue(precision);
            string mode = requested is null ? "fp32" : target.CheckPrecision(requested);
            var sizeList = ParseSizes(parse.GetValue(sizes)!);
            var batchList = ParseInts("--batch", parse.GetValue(batches)!);
            int runs = parse.GetValue(iterations) ?? (target.IsCuda ? 100 : 5);
            int warm = parse.GetValue(warmup) ?? (target.IsCuda ? 10 : 1);
            if (runs < 1) throw new CliException("--iterations must be at least 1");
            if (warm < 0) throw new CliException("--warmup must be 0 or more");
            FileInfo? peerFile = parse.GetValue(peerJson);
            if (peerFile is not null && !target.IsCuda) throw new CliException("--peer-json compares GPU times; it needs --device cuda");
            if (parse.GetValue(noGraph) && !target.IsCuda) throw new CliException("--no-cuda-graph needs --device cuda");
            // The peer file is checked before any timing: a missing configuration would otherwise surface after minutes of work.
            PeerResults? peer = peerFile is null ? null : PeerResults.Load(peerFile.FullName);
            peer?.RequireAll(sizeList.SelectMany(s => batchList.Select(b => (b, s.Height, s.Width))));

            LoadedModel loaded = LoadBenchModel(parse, model, parse.GetValue(seed));
            foreach (string warning in loaded.Warnings) Console.Error.WriteLine($"warning: {warning}");
            mode = target.CheckPrecision(loaded.PrecisionFor(requested, target.IsCuda ? target.Name : "cpu"));
            if (loaded.PrecisionNote(mode) is { } note) Console.Error.WriteLine(note);
            if (loaded.MaxBatch > 0 && batchList.Max() > loaded.MaxBatch)
                throw new CliException($"--batch {batchList.Max()}: {loaded.Source} was built with --max-batch {loaded.MaxBatch}; rebuild it with a larger one");
            ModelGraph AtSize(int h, int w) => loaded.Model with { Architecture = BenchSpec.WithoutResize(loaded.Architecture, h, w) };
            string config = loaded.Source;
            string weightsNote = loaded.Weights;
            if (target.IsCuda)
            {
                var reports = new List<GpuBenchReport>();
                foreach (var (h, w) in sizeList)
                {
                    foreach (int batch in batchList)
                    {
                        Console.Error.WriteLine($"[bench] {h}x{w} batch {batch} on {target.Name} ({mode}): {warm} warm-up + {runs} timed runs");
                        GpuBenchReport report = GpuBenchRunner.Run(AtSize(h, w),
                            new GpuBenchmarkOptions(batch, h, w, mode, warm, runs, target.Name, !parse.GetValue(noGraph)), peer,
                            line => Console.Error.WriteLine("  " + line), ct);
                        reports.Add(report);
                        if (!report.MeetsDetectionSpec) Console.Error.WriteLine(GpuBenchFormat.DetectionWarning(report));
                        Console.Write(GpuBenchFormat.Summary(report));
                    }
                }
                if (peer is not null && reports.Count > 0 && !PeerResults.SameDevice(peer.Device, reports[0].DeviceName))
                    Console.Error.WriteLine($"WARNING: the peer ran on '{peer.Device}' but Detserve on '{reports[0].DeviceName}': ratios across devices mean little");
                if (parse.GetValue(json) is { } gpuFile)
                    File.WriteAllText(gpuFile.FullName, GpuBenchFormat.Json(config, weightsNote, target.Name, mode, warm, runs, reports, peer));
                return 0;
            }
            var results = new List<CpuBenchmarkResult>();
            foreach (var (h, w) in sizeList)
            {
                foreach (int batch in batchList)
                {
                    Console.Error.WriteLine($"[bench] {h}x{w} batch {batch}: {warm} warm-up + {runs} timed runs");
                    var r = CpuBenchmark.Run(AtSize(h, w), h, w, batch, warm, runs, parse.GetValue(threads),
                        line => Console.Error.WriteLine("  " + line));
                    results.Add(r);
                    PrintSummary(r);
                }
            }
            if (parse.GetValue(json) is { } file)
            {
                var doc = new
                {
                    config,
                    weights = weightsNote,
                    device = target.Name,
                    machine = Environment.MachineName,
                    processors = Environment.ProcessorCount,
                    results = results.Select(r => new
                    {
                        height = r.Height, width = r.Width, batch = r.Batch, threads = r.Threads, backend = r.Backend,
                        median_ms = r.MedianSeconds * 1e3, mean_ms = r.MeanSeconds * 1e3, min_ms = r.MinSeconds * 1e3, p99_ms = r.P99Seconds * 1e3,
                        throughput_images_per_s = r.Batch / r.MedianSeconds, detections_first_image = r.Detections,
                        times_ms = r.TimesSeconds.Select(t => t * 1e3),
                    }),
                };
                File.WriteAllText(file.FullName, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }) + "\n");
            }
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The model to time: an engine; or a config with --weights / a local MODEL.WEIGHTS; or, with neither, the bench spec's seeded weights
    /// for the config (FrozenBN statistics from one forward pass).
    /// </summary>
    private static LoadedModel LoadBenchModel(ParseResult parse, ModelOptions model, int seed)
    {
        IReadOnlyList<string> opts = parse.GetValue(model.Overrides) ?? [];
        if (parse.GetValue(model.Engine) is { } engine) return LoadedModel.FromEngine(engine.FullName, opts);
        string config = parse.GetValue(model.Config)?.FullName
            ?? throw new CliException("bench needs a model (--config C [--weights W], or --engine E), or --server URL --model M");
        string? weights = parse.GetValue(model.Weights)?.FullName;
        CfgNode cfg = ConfigLoader.LoadFile(config, opts);
        if (!BenchSpec.UsesSeededWeights(weights, cfg.GetString("MODEL.WEIGHTS"))) return LoadedModel.FromFiles(config, weights, opts);
        string zooWeights = cfg.GetString("MODEL.WEIGHTS");
        Console.Error.WriteLine((zooWeights.Length > 0 ? $"MODEL.WEIGHTS is a URL ({zooWeights}) and no --weights given" : "no weights given")
            + $": generating the bench spec's seeded weights (seed {seed}; FrozenBN statistics from one forward pass)");
        ArchitectureSpec arch = ArchitectureMapper.FromConfig(cfg);
        ModelGraph graph = ModelGraphBuilder.Build(arch, SeededModel.Generate(arch, seed), out _);
        return new LoadedModel(graph, config, $"seeded:{seed}", [], null);
    }

    private static async Task<int> RunServerBenchAsync(string url, string? model, IReadOnlyList<int> levels, string? inputFile, double seconds,
        string? jsonPath, CancellationToken ct)
    {
        if (model is null) throw new CliException("--server needs --model M");
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != "http" && uri.Scheme != "grpc"))
            throw new CliException($"--server {url}: expected http://host:port or grpc://host:port");
        if (seconds <= 0) throw new CliException("--measurement-seconds must be positive");
        var options = new Detserve.Serve.Client.ServerBenchmarkOptions
        {
            Server = uri,
            Model = model,
            Concurrency = levels,
            InputFile = inputFile,
            MeasurementSeconds = seconds,
        };
        using var bench = new Detserve.Serve.Client.ServerBenchmark(options);
        var results = await bench.RunAsync(ct).ConfigureAwait(false);
        Console.Write(Detserve.Serve.Client.ServerBenchmark.Format(model, results));
        if (jsonPath is not null)
        {
            var doc = new { server = url, model, results };
            File.WriteAllText(jsonPath, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
        return results.Any(r => r.Errors > 0) ? 1 : 0;
    }

    private static void PrintSummary(CpuBenchmarkResult r)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c, $"=== {r.Height}x{r.Width} batch {r.Batch} ({r.Backend}, {r.Threads} threads) ==="));
        Console.WriteLine(string.Create(c, $"Throughput: {r.Batch / r.MedianSeconds:F3} images/s"));
        Console.WriteLine(string.Create(c, $"Latency: min = {r.MinSeconds * 1e3:F1} ms, max = {r.TimesSeconds.Max() * 1e3:F1} ms, mean = {r.MeanSeconds * 1e3:F1} ms, median = {r.MedianSeconds * 1e3:F1} ms, percentile(99%) = {r.P99Seconds * 1e3:F1} ms"));
        Console.WriteLine(string.Create(c, $"Detections (first image): {r.Detections}"));
    }

    internal static IReadOnlyList<(int Height, int Width)> ParseSizes(string text)
    {
        try
        {
            return ShapeBuckets.ParseSizes(text, part => $"--size {part}", "800x1333", "--size");
        }
        catch (FormatException e)
        {
            throw new CliException(e.Message, e);
        }
    }

    internal static IReadOnlyList<int> ParseInts(string option, string text)
    {
        var list = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v < 1 || v > 4096)
                throw new CliException($"{option} {part}: expected a positive integer");
            list.Add(v);
        }
        if (list.Count == 0) throw new CliException($"{option}: no value given");
        return list;
    }
}
