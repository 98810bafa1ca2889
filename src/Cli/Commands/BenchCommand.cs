using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Detserve.Graph;
using Detserve.Graph.Spec;
using Detserve.Import.Config;
using Detserve.Import.Model;
using Detserve.Runtime;

namespace Detserve.Cli.Commands;

/// <summary>
/// detserve bench: times a model end to end (preprocess, network, post-process with every mask pasted) on seeded
/// images of fixed sizes and batch sizes, printed like trtexec's summary and written as JSON with --json.
/// Without --weights (and no MODEL.WEIGHTS), the bench spec's seeded weights are generated: FrozenBN statistics set
/// from one forward pass so that activations stay in range and, with SCORE_THRESH_TEST 0.0, every image yields 100 detections.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var model = new ModelOptions();
        var sizes = new Option<string>("--size") { Description = "input sizes as HxW, comma separated", DefaultValueFactory = _ => "800x1333" };
        var batches = new Option<string>("--batch") { Description = "batch sizes, comma separated", DefaultValueFactory = _ => "1" };
        var iterations = new Option<int>("--iterations") { Description = "timed runs per (size, batch)", DefaultValueFactory = _ => 5 };
        var warmup = new Option<int>("--warmup") { Description = "untimed runs first", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "seed of the generated weights and images", DefaultValueFactory = _ => 0 };
        var json = new Option<FileInfo?>("--json") { Description = "write the numbers as JSON" };
        var server = new Option<string?>("--server") { Description = "benchmark a running server instead (http://host:8000 or grpc://host:8001), perf_analyzer style" };
        var serverModel = new Option<string?>("--model") { Description = "with --server: the model to call" };
        var concurrency = new Option<string>("--concurrency") { Description = "with --server: concurrency levels, comma separated", DefaultValueFactory = _ => "1" };
        var inputFile = new Option<FileInfo?>("--input-file") { Description = "with --server: an image to send (default: seeded random inputs)" };
        var window = new Option<double>("--measurement-seconds") { Description = "with --server: measurement window per concurrency level", DefaultValueFactory = _ => 5 };
        var command = new Command("bench", "time a model end to end on seeded images (trtexec-style summary), or a running server (perf_analyzer-style)");
        model.Config.Required = false;
        model.AddTo(command);
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
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(server) is { } url)
            {
                return await RunServerBenchAsync(url, parse.GetValue(serverModel), ParseInts("--concurrency", parse.GetValue(concurrency)!),
                    parse.GetValue(inputFile)?.FullName, parse.GetValue(window), parse.GetValue(json)?.FullName, ct).ConfigureAwait(false);
            }
            string config = parse.GetValue(model.Config)?.FullName ?? throw new CliException("bench needs --config C (and --weights W), or --server URL --model M");
            string? weights = parse.GetValue(model.Weights)?.FullName;
            IReadOnlyList<string> opts = parse.GetValue(model.Overrides) ?? [];
            string device = parse.GetValue(model.Device)!;
            if (device != "cpu")
                throw new CliException($"--device {device}: this build times the CPU backend only; the CUDA backend's whole-model path is not integrated yet");
            if (parse.GetValue(model.Precision) != "fp32")
                throw new CliException("--precision fp16 needs --device cuda");
            var sizeList = ParseSizes(parse.GetValue(sizes)!);
            var batchList = ParseInts("--batch", parse.GetValue(batches)!);
            int runs = parse.GetValue(iterations);
            if (runs < 1) throw new CliException("--iterations must be at least 1");

            CfgNode cfg = ConfigLoader.LoadFile(config, opts);
            ArchitectureSpec arch = ArchitectureMapper.FromConfig(cfg);
            IReadOnlyDictionary<string, HostTensor> tensors;
            string weightsNote;
            if (weights is not null || cfg.GetString("MODEL.WEIGHTS").Length > 0)
            {
                ModelSpec spec = ModelLoader.Load(config, weights, opts);
                tensors = spec.Weights;
                weightsNote = spec.WeightsPath!;
            }
            else
            {
                Console.Error.WriteLine($"no weights given: generating the bench spec's seeded weights (seed {parse.GetValue(seed)}; FrozenBN statistics from one forward pass)");
                tensors = SeededModel.Generate(arch, parse.GetValue(seed));
                weightsNote = $"seeded:{parse.GetValue(seed)}";
            }
            var results = new List<CpuBenchmarkResult>();
            foreach (var (h, w) in sizeList)
            {
                foreach (int batch in batchList)
                {
                    Console.Error.WriteLine($"[bench] {h}x{w} batch {batch}: {parse.GetValue(warmup)} warm-up + {runs} timed runs");
                    var r = CpuBenchmark.Run(arch, tensors, h, w, batch, parse.GetValue(warmup), runs, parse.GetValue(model.Threads),
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
                    device,
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
        var list = new List<(int, int)>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] hw = part.Split('x', 'X');
            if (hw.Length != 2 || !int.TryParse(hw[0], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
                || !int.TryParse(hw[1], NumberStyles.None, CultureInfo.InvariantCulture, out int w) || h < 1 || w < 1 || h > 16384 || w > 16384)
                throw new CliException($"--size {part}: expected HEIGHTxWIDTH, e.g. 800x1333");
            list.Add((h, w));
        }
        if (list.Count == 0) throw new CliException("--size: no size given");
        return list;
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
