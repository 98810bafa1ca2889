using System.CommandLine;
using System.Diagnostics;
using Detserve.Cli.Terminal;
using Detserve.Eval.Coco;
using Detserve.Eval.Evaluation;
using Detserve.Eval.Masks;
using Detserve.Runtime;
using Detserve.Vision;

namespace Detserve.Cli.Commands;

/// <summary>
/// detserve eval: COCO evaluation equal to pycocotools (and Detectron2's COCOEvaluator tables), either of a saved
/// results file (--results) or of a model run over a dataset (--config/--weights or --engine, with --images).
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var results = new Option<FileInfo?>("--results") { Description = "COCO results JSON to evaluate (instead of running a model)" };
        var annotations = new Option<FileInfo>("--annotations") { Description = "COCO instances JSON (ground truth)", Required = true };
        var iouType = new Option<string>("--iou-type") { Description = "bbox, segm or both (default: both when masks are present, else bbox)" };
        iouType.AcceptOnlyFromAmong("bbox", "segm", "both");
        var json = new Option<FileInfo?>("--json") { Description = "write the numbers as JSON: {\"bbox\": {\"stats\": [12], \"per_category_AP\": {...}}, \"segm\": ...}" };
        var images = new Option<DirectoryInfo?>("--images") { Description = "folder holding the annotations' file_name images (with a model)" };
        var saveResults = new Option<FileInfo?>("--save-results") { Description = "also write the model's COCO results JSON here (with a model)" };
        var model = new ModelOptions();
        var command = new Command("eval", "COCO evaluation (bbox, segm) equal to pycocotools");
        command.Add(results);
        command.Add(annotations);
        command.Add(iouType);
        command.Add(json);
        command.Add(images);
        command.Add(saveResults);
        model.AddTo(command, modelRequired: false);
        command.SetAction((parse, ct) =>
        {
            FileInfo? resultsFile = parse.GetValue(results);
            bool hasModel = parse.GetValue(model.Config) is not null || parse.GetValue(model.Engine) is not null;
            string gtPath = parse.GetRequiredValue(annotations).FullName;
            string? typeText = parse.GetValue(iouType);
            string? jsonPath = parse.GetValue(json)?.FullName;
            if ((resultsFile is null) != hasModel)
                throw new CliException("eval needs either --results R.json, or a model (--config C --weights W, or --engine E) with --images DIR (not both)");
            var clock = Stopwatch.StartNew();
            CocoGroundTruth gt = CocoGroundTruth.Load(gtPath);
            CocoResults dets;
            bool hasMasks;
            if (resultsFile is not null)
            {
                dets = CocoResults.Load(resultsFile.FullName, gt);
                // pycocotools' loadRes decides the results' kind from the first record's keys, as this does.
                hasMasks = dets.Count > 0 && dets[0].Mask is not null;
            }
            else
            {
                DirectoryInfo imageDir = parse.GetValue(images) ?? throw new CliException("--images DIR is required with a model");
                (dets, hasMasks) = RunModel(
                    LoadedModel.Load(parse, model), parse.GetValue(model.Device)!, parse.GetValue(model.Precision),
                    parse.GetValue(model.Threads), model.JpegDecodingOf(parse), model.ShapeBucketsOf(parse), imageDir.FullName, gt, parse.GetValue(saveResults)?.FullName, ct);
            }
            IouType[] types = (typeText ?? (hasMasks ? "both" : "bbox")) switch
            {
                "bbox" => [IouType.Bbox],
                "segm" => [IouType.Segm],
                _ => hasMasks ? [IouType.Bbox, IouType.Segm] : [IouType.Bbox],
            };
            if (types.Contains(IouType.Segm) && !hasMasks)
                throw new CliException("--iou-type segm: the results carry no segmentation");
            var evaluated = new List<CocoEvalResult>();
            foreach (IouType type in types)
            {
                CocoEvalResult r = CocoEvaluation.Evaluate(gt, dets, type);
                evaluated.Add(r);
                Console.WriteLine($"Evaluate annotation type *{r.IouTypeName}*");
                Console.WriteLine(r.SummaryText.TrimEnd());
                Console.WriteLine($"Evaluation results for {r.IouTypeName}:");
                Console.WriteLine(r.ResultsTable.TrimEnd());
                if (r.PerCategoryTable.Length > 0)
                {
                    Console.WriteLine($"Per-category {r.IouTypeName} AP:");
                    Console.WriteLine(r.PerCategoryTable.TrimEnd());
                }
            }
            if (jsonPath is not null) CocoEvalJson.WriteFile(jsonPath, evaluated);
            Console.Error.WriteLine($"evaluated {dets.Count} detections on {gt.Images.Count} images in {clock.Elapsed.TotalSeconds:F2} s");
            return Task.FromResult(0);
        });
        return command;
    }

    private static (CocoResults Results, bool HasMasks) RunModel(
        LoadedModel model, string device, string? requestedPrecision, int threads, JpegDecoding decoding, ShapeBuckets? buckets,
        string imageDir, CocoGroundTruth gt, string? saveResultsPath, CancellationToken ct)
    {
        foreach (string warning in model.Warnings) Console.Error.WriteLine($"warning: {warning}");
        int numClasses = model.Architecture.NumClasses;
        // Detectron2 maps contiguous ids to the dataset's category ids in sorted order
        // (detectron2/data/datasets/coco.py load_coco_json: thing_dataset_id_to_contiguous_id).
        IReadOnlyList<long> categoryIds = gt.ThingDatasetIds;
        if (categoryIds.Count != numClasses)
            throw new CliException($"the annotations have {categoryIds.Count} categories but the model has {numClasses} classes");
        var builder = new CocoResultsBuilder(gt, "model results");
        using var saver = saveResultsPath is null ? null : new Output.CocoResultsWriter(saveResultsPath);
        string precision = model.PrecisionFor(requestedPrecision, device);
        if (model.PrecisionNote(precision) is { } note) Console.Error.WriteLine(note);
        using var predictor = model.CreatePredictor(device, threads, precision, buckets);
        var failures = new List<string>();
        using (var progress = ProgressReporter.ForConsole("eval", gt.Images.Count))
        {
            foreach (CocoImage info in gt.Images)
            {
                ct.ThrowIfCancellationRequested();
                string name = info.FileName ?? throw new CliException($"{gt.SourceName}: image id {info.Id} has no file_name");
                string path = Path.Combine(imageDir, name);
                if (InputImages.TryRun(predictor, path, decoding, needPixels: false, out _, out string? error, ct) is not Instances inst)
                {
                    failures.Add($"{path}: {error}");
                    progress.Advance(name, "FAILED: " + error);
                    continue;
                }
                for (int k = 0; k < inst.Count; k++)
                {
                    float x1 = inst.Boxes[4 * k], y1 = inst.Boxes[4 * k + 1], x2 = inst.Boxes[4 * k + 2], y2 = inst.Boxes[4 * k + 3];
                    BinaryMask? mask = inst.GetMask(k);
                    EncodedMask? encoded = mask is null ? null : EncodedMask.FromRowMajor(mask.Data, mask.Height, mask.Width);
                    long category = categoryIds[inst.Classes[k]];
                    // instances_to_coco_json: XYXY -> XYWH in float32, the score widened from float32.
                    builder.Add(info.Id, category, inst.Scores[k], BoxXywh.FromXyxyFloat32(x1, y1, x2, y2), encoded);
                    saver?.Write(info.Id, (int)category, x1, y1, x2, y2, inst.Scores[k], inst.ImageHeight, inst.ImageWidth, encoded?.Counts);
                }
                progress.Advance(name, $"{inst.Count} detections");
            }
        }
        if (failures.Count > 0)
            throw new CliException($"{failures.Count} image(s) could not be read, so the evaluation would be wrong:\n  " + string.Join("\n  ", failures));
        return (builder.Build(), model.Architecture.MaskOn);
    }
}
