using System.Diagnostics;
using System.Text.Json;
using Detserve.Bench.Eval;
using Detserve.Eval.Coco;
using Detserve.Eval.Evaluation;

// Usage: Detserve.Bench.Eval [--out bench-eval.json] [--work DIR] [--images 5000] [--detections 100] [--threads 0] [--label TEXT]
// Generates the synthetic set once per work folder (deterministic, seed 2017), then times reading and evaluating it.
var options = new Dictionary<string, string>();
for (int i = 0; i + 1 < args.Length; i += 2)
{
    options[args[i].TrimStart('-')] = args[i + 1];
}

string output = options.GetValueOrDefault("out", "bench-eval.json");
string work = options.GetValueOrDefault("work", Path.Combine(Path.GetTempPath(), "detserve-bench-eval"));
int images = int.Parse(options.GetValueOrDefault("images", "5000"), System.Globalization.CultureInfo.InvariantCulture);
int perImage = int.Parse(options.GetValueOrDefault("detections", "100"), System.Globalization.CultureInfo.InvariantCulture);
int threads = int.Parse(options.GetValueOrDefault("threads", "0"), System.Globalization.CultureInfo.InvariantCulture);
Directory.CreateDirectory(work);
string gtPath = Path.Combine(work, $"gt_{images}.json");
string resultsPath = Path.Combine(work, $"results_{images}x{perImage}.json");

var clock = Stopwatch.StartNew();
if (!File.Exists(gtPath) || !File.Exists(resultsPath))
{
    var synthetic = new SyntheticCoco(2017, images, 80, 7.3, perImage);
    synthetic.Write(gtPath, resultsPath);
    Console.WriteLine($"generated {synthetic.GroundTruthCount} annotations, {synthetic.DetectionCount} detections in {clock.Elapsed.TotalSeconds:F1} s");
}

var cpu = new Dictionary<string, double>();
double Time(string name, Action action)
{
    GC.Collect();
    TimeSpan cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
    var watch = Stopwatch.StartNew();
    action();
    double wall = watch.Elapsed.TotalSeconds;
    cpu[name] = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
    Console.WriteLine($"{name}: {wall:F2} s wall, {cpu[name]:F2} s CPU");
    return wall;
}

CocoGroundTruth gt = null!;
CocoResults results = null!;
CocoEvalResult bbox = null!, segm = null!;
var parameters = new CocoEvalParams { MaxDegreeOfParallelism = threads };
double loadGt = Time("load_gt", () => gt = CocoGroundTruth.Load(gtPath));
double loadResults = Time("load_results", () => results = CocoResults.Load(resultsPath, gt));
double evalBbox = Time("eval_bbox", () => bbox = CocoEvaluation.Evaluate(gt, results, IouType.Bbox, parameters));
double evalSegm = Time("eval_segm", () => segm = CocoEvaluation.Evaluate(gt, results, IouType.Segm, parameters));
Console.Write(bbox.SummaryText);
Console.Write(segm.SummaryText);

var report = new Dictionary<string, object>
{
    ["label"] = options.GetValueOrDefault("label", string.Empty),
    ["machine"] = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}",
    ["threads"] = threads == 0 ? Environment.ProcessorCount : threads,
    ["images"] = gt.Images.Count,
    ["gt_annotations"] = gt.Annotations.Count,
    ["detections"] = results.Count,
    ["gt_file_bytes"] = new FileInfo(gtPath).Length,
    ["results_file_bytes"] = new FileInfo(resultsPath).Length,
    ["load_gt_s"] = loadGt,
    ["load_results_s"] = loadResults,
    ["eval_bbox_s"] = evalBbox,
    ["eval_segm_s"] = evalSegm,
    ["eval_both_s"] = evalBbox + evalSegm,
    ["load_and_eval_both_s"] = loadGt + loadResults + evalBbox + evalSegm,
    ["cpu_s"] = cpu,
    ["load_average_1min"] = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a",
    ["bbox_AP"] = bbox.Stats[0],
    ["segm_AP"] = segm.Stats[0],
};
File.WriteAllText(output, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine(File.ReadAllText(output));
