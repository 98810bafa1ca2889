using System.CommandLine;
using Detserve.Graph;
using Detserve.Graph.Build;
using Detserve.Graph.Spec;
using Detserve.Import.Model;
using Detserve.Runtime;
using Detserve.Runtime.Engine;

namespace Detserve.Cli.Commands;

/// <summary>
/// The model a command runs, from --config/--weights (built and bound here) or from --engine (read back compiled): one path for
/// infer, eval and bench, so that every command takes either and the reverse.
/// </summary>
/// <param name="Model">The graphs and the architecture (with the run's overrides).</param>
/// <param name="Source">The config or engine file, for messages and JSON.</param>
/// <param name="Weights">The weight file, "seeded:N", or the engine's source weights.</param>
/// <param name="Warnings">Unused checkpoint tensors and notes from loading.</param>
/// <param name="Engine">The engine's metadata when the model came from one.</param>
internal sealed record LoadedModel(ModelGraph Model, string Source, string Weights, IReadOnlyList<string> Warnings, EngineInfo? Engine)
{
    /// <summary>The largest batch a run accepts: the engine's --max-batch, else no limit (0).</summary>
    public int MaxBatch => Engine?.MaxBatch ?? 0;

    /// <summary>Loads the model the options name; <paramref name="extraOpts"/> go after the command line's overrides.</summary>
    public static LoadedModel Load(ParseResult parse, ModelOptions options, IReadOnlyList<string>? extraOpts = null)
    {
        var opts = new List<string>(parse.GetValue(options.Overrides) ?? []);
        if (extraOpts is not null) opts.AddRange(extraOpts);
        if (parse.GetValue(options.Engine) is { } engine) return FromEngine(engine.FullName, opts);
        FileInfo config = parse.GetValue(options.Config) ?? throw new CliException("a model is needed: --config C [--weights W], or --engine E");
        return FromFiles(config.FullName, parse.GetValue(options.Weights)?.FullName, opts);
    }

    /// <summary>Config + weights, as Detectron2's DefaultPredictor loads them.</summary>
    public static LoadedModel FromFiles(string config, string? weights, IReadOnlyList<string> opts)
    {
        ModelSpec spec = ModelLoader.Load(config, weights, opts);
        ModelGraph model = ModelGraphBuilder.Build(spec.Architecture, spec.Weights, out IReadOnlyList<string> unused);
        var warnings = spec.Warnings.Concat(unused.Select(u => $"weight '{u}' is not used by the model")).ToArray();
        return new LoadedModel(model, config, spec.WeightsPath ?? "none", warnings, null);
    }

    /// <summary>An engine file with test-time overrides.</summary>
    public static LoadedModel FromEngine(string path, IReadOnlyList<string> opts)
    {
        LoadedEngine engine = EngineFile.Load(path, opts);
        return new LoadedModel(engine.Model, path, engine.Info.Source.Weights, [], engine.Info);
    }

    /// <summary>
    /// The precision to run: the one asked for; else an engine's own on a GPU (the CPU computes fp32 only); else fp32.
    /// </summary>
    public string PrecisionFor(string? requested, string device)
    {
        if (requested is not null) return requested;
        bool cpu = string.Equals(device, "cpu", StringComparison.OrdinalIgnoreCase);
        return Engine is { } e && !cpu ? e.Precision : "fp32";
    }

    /// <summary>A line for stderr when the run's precision differs from the one the engine was built and checked for, else null.</summary>
    public string? PrecisionNote(string precision) =>
        Engine is { } e && e.Precision != precision
            ? $"note: {Source} was built for {e.Precision}; running {precision}"
            : null;

    /// <summary>A predictor on <paramref name="device"/>; an engine's max batch is enforced, and its shape buckets used unless others are given.</summary>
    public Predictor CreatePredictor(string device, int threads, string precision, ShapeBuckets? buckets = null) =>
        Predictor.Create(Model, new PredictorOptions(device, threads, precision, MaxBatch, buckets ?? (Engine?.ShapeBuckets is { } b ? ShapeBuckets.Parse(b) : null)), Warnings);

    /// <summary>The architecture's classes (for class names and category maps).</summary>
    public ArchitectureSpec Architecture => Model.Architecture;
}
