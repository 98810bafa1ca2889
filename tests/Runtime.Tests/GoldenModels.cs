using System.Collections.Concurrent;
using Detserve.Import.Model;
using Detserve.Vision;

namespace Detserve.Runtime.Tests;

/// <summary>
/// Loads each golden model once per test run (config + .pkl through Import, optionally with KEY VALUE overrides) and caches stage runs,
/// so the stage tests share one forward pass per (model, image).
/// </summary>
public sealed class GoldenModels : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Predictor>> _predictors = new();
    private readonly ConcurrentDictionary<string, Lazy<(StageRecorder Stages, Instances Result)>> _stageRuns = new();

    internal Predictor Get(string model, params string[] opts) =>
        _predictors.GetOrAdd(model + "|" + string.Join(" ", opts), _ => new Lazy<Predictor>(() =>
        {
            ModelSpec spec = ModelLoader.Load(Golden.ConfigOf(model), Golden.WeightsOf(model), opts);
            return Predictor.Create(spec, new PredictorOptions(Threads: 0));
        })).Value;

    /// <summary>The run of the stage image with the settings of its meta.json (INPUT.MIN_SIZE_TEST 120).</summary>
    internal (StageRecorder Stages, Instances Result) StageRun(string model, string image, int minSizeTest) =>
        _stageRuns.GetOrAdd(model + "|" + image, _ => new Lazy<(StageRecorder, Instances)>(() =>
        {
            Predictor p = Get(model, "INPUT.MIN_SIZE_TEST", minSizeTest.ToString(System.Globalization.CultureInfo.InvariantCulture));
            RgbImage rgb = ImageDecoder.DecodeFile(Golden.Path("shapes_test", image + ".png"));
            var recorder = new StageRecorder();
            Instances result = p.Run([rgb], recorder, TestContext.Current.CancellationToken)[0];
            return (recorder, result);
        })).Value;

    public void Dispose()
    {
        foreach (var p in _predictors.Values)
            if (p.IsValueCreated) p.Value.Dispose();
    }
}
