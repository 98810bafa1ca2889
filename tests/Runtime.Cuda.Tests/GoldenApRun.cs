using System.Diagnostics;
using Detserve.Eval.Coco;
using Detserve.Import.Model;

namespace Detserve.Runtime.Cuda.Tests;

/// <summary>
/// One golden model on one device and precision over shapes_test: the COCO results, their AP against Detectron2's
/// coco_eval.json, and a line for the test output (device, precision, APs, seconds).
/// </summary>
internal static class GoldenApRun
{
    public static IReadOnlyList<ApCheck> Run(string model, PredictorOptions options, Action<string> log, CancellationToken cancellationToken)
    {
        CocoGroundTruth gt = CocoGroundTruth.Load(Golden.Annotations);
        ModelSpec spec = ModelLoader.Load(Golden.ConfigOf(model), Golden.WeightsOf(model), []);
        var clock = Stopwatch.StartNew();
        CocoResults results;
        using (Predictor predictor = Predictor.Create(spec, options))
            results = CocoRun.Predict(predictor, gt, Golden.Images, cancellationToken);
        double seconds = clock.Elapsed.TotalSeconds;
        IReadOnlyList<ApCheck> checks = ApCheck.Compare(gt, results, ApCheck.ReadReference(Golden.CocoEvalOf(model)));
        log($"{model} on {options.Device} {options.Precision}: {results.Count} detections on {gt.Images.Count} images in {seconds:F2} s");
        foreach (ApCheck c in checks) log($"  {model} {options.Device} {options.Precision}: {c}");
        return checks;
    }

    /// <summary>Writes to the test's output and to stdout, so a device run's log carries the numbers even when the test passes.</summary>
    public static void Log(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        Console.WriteLine(line);
    }
}
