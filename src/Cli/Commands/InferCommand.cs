using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Detserve.Cli.Output;
using Detserve.Cli.Terminal;
using Detserve.Eval.Masks;
using Detserve.Runtime;
using Detserve.Vision;

namespace Detserve.Cli.Commands;

/// <summary>
/// detserve infer: runs a model over one image or a folder and writes, per image, a visualization PNG, plus one
/// detections.tsv and one coco_results.json for the run. An image that cannot be read is reported by name and the
/// others still run; the exit code is 1 when any image failed.
/// </summary>
public static class InferCommand
{
    public static Command Create()
    {
        var model = new ModelOptions();
        var input = new Option<string>("--input", "-i") { Description = "an image file or a folder of images (.png, .jpg, .jpeg, .bmp)", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "folder for the visualizations, detections.tsv and coco_results.json", Required = true };
        var scoreThreshold = new Option<double?>("--score-threshold") { Description = "minimum score (sets MODEL.ROI_HEADS.SCORE_THRESH_TEST and MODEL.RETINANET.SCORE_THRESH_TEST)" };
        var classNames = new Option<FileInfo?>("--class-names") { Description = "text file with one class name per line (COCO's names are built in for 80-class models)" };
        var noViz = new Option<bool>("--no-visualize") { Description = "skip the visualization PNGs" };
        var command = new Command("infer", "run a model on images: visualizations, TSV and COCO results JSON");
        model.AddTo(command);
        command.Add(input);
        command.Add(output);
        command.Add(scoreThreshold);
        command.Add(classNames);
        command.Add(noViz);
        command.SetAction((parse, ct) => Task.FromResult(Run(
            opts => LoadedModel.Load(parse, model, opts),
            parse.GetValue(model.Device)!,
            parse.GetValue(model.Precision),
            parse.GetValue(model.Threads),
            model.JpegDecodingOf(parse),
            model.ShapeBucketsOf(parse),
            parse.GetRequiredValue(input),
            parse.GetRequiredValue(output),
            parse.GetValue(scoreThreshold),
            parse.GetValue(classNames)?.FullName,
            !parse.GetValue(noViz),
            ct)));
        return command;
    }

    private static int Run(
        Func<IReadOnlyList<string>, LoadedModel> load, string device, string? requestedPrecision, int threads, JpegDecoding decoding, ShapeBuckets? buckets,
        string input, string outputDir, double? scoreThreshold, string? classNamesPath, bool visualize, CancellationToken ct)
    {
        var opts = new List<string>();
        if (scoreThreshold is double t)
        {
            string v = t.ToString("R", CultureInfo.InvariantCulture);
            opts.AddRange(["MODEL.ROI_HEADS.SCORE_THRESH_TEST", v, "MODEL.RETINANET.SCORE_THRESH_TEST", v]);
        }
        IReadOnlyList<string> files = InputImages.Expand(input);
        LoadedModel model = load(opts);
        foreach (string warning in model.Warnings) Console.Error.WriteLine($"warning: {warning}");
        int numClasses = model.Architecture.NumClasses;
        ClassNames names = ClassNames.Resolve(numClasses, classNamesPath);
        Directory.CreateDirectory(outputDir);

        string precision = model.PrecisionFor(requestedPrecision, device);
        if (model.PrecisionNote(precision) is { } note) Console.Error.WriteLine(note);
        using var predictor = model.CreatePredictor(device, threads, precision, buckets);
        Console.Error.WriteLine($"model: {model.Architecture.MetaArchitecture}, {numClasses} classes; backend: {predictor.BackendDescription}");
        using var tsv = new DetectionTsvWriter(Path.Combine(outputDir, "detections.tsv"));
        using var coco = new CocoResultsWriter(Path.Combine(outputDir, "coco_results.json"));
        var failures = new List<(string File, string Error)>();
        long detections = 0;
        var clock = Stopwatch.StartNew();
        using (var progress = ProgressReporter.ForConsole("infer", files.Count))
        {
            for (int i = 0; i < files.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                string file = files[i];
                string name = Path.GetFileName(file);
                if (InputImages.TryRun(predictor, file, decoding, visualize, out RgbImage? image, out string? error, ct) is not Instances result)
                {
                    failures.Add((file, error!));
                    progress.Advance(name, "FAILED: " + error);
                    continue;
                }
                long imageId = InputImages.ImageId(file, i);
                var visuals = visualize ? new List<VisualDetection>(result.Count) : null;
                for (int k = 0; k < result.Count; k++)
                {
                    float x1 = result.Boxes[4 * k], y1 = result.Boxes[4 * k + 1], x2 = result.Boxes[4 * k + 2], y2 = result.Boxes[4 * k + 3];
                    int cls = result.Classes[k];
                    float score = result.Scores[k];
                    BinaryMask? mask = result.GetMask(k);
                    long? area = null;
                    string? rle = null;
                    if (mask is not null)
                    {
                        var encoded = EncodedMask.FromRowMajor(mask.Data, mask.Height, mask.Width);
                        area = encoded.Area;
                        rle = encoded.Counts;
                    }
                    tsv.Write(name, cls, names.Name(cls), score, x1, y1, x2, y2, area);
                    coco.Write(imageId, names.CategoryId(cls), x1, y1, x2, y2, score, result.ImageHeight, result.ImageWidth, rle);
                    visuals?.Add(new VisualDetection(x1, y1, x2, y2,
                        $"{names.Name(cls)} {(score * 100).ToString("0", CultureInfo.InvariantCulture)}%", k, mask));
                }
                detections += result.Count;
                if (visuals is not null && image is not null)
                {
                    RgbImage drawn = Visualizer.Draw(image, visuals);
                    string vizPath = Path.GetFullPath(Path.Combine(outputDir, Path.GetFileNameWithoutExtension(name) + ".png"));
                    // Never overwrite an input: --output may be the input folder itself.
                    if (string.Equals(vizPath, Path.GetFullPath(file), StringComparison.Ordinal))
                        vizPath = Path.ChangeExtension(vizPath, ".detserve.png");
                    File.WriteAllBytes(vizPath, PngEncoder.Encode(drawn));
                }
                progress.Advance(name, $"{result.Count} detections");
            }
        }
        int ok = files.Count - failures.Count;
        Console.WriteLine($"{ok} of {files.Count} images, {detections} detections in {clock.Elapsed.TotalSeconds:F1} s -> {outputDir}");
        foreach (var (file, error) in failures) Console.Error.WriteLine($"failed: {file}: {error}");
        return failures.Count == 0 ? 0 : 1;
    }
}
