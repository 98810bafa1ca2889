using Detserve.Graph;
using Detserve.Import.Config;

namespace Detserve.Runtime.Engine;

/// <summary>An engine file read back: its metadata, its resolved config (with the run's overrides) and its compiled graphs.</summary>
/// <param name="Info">Header and build metadata.</param>
/// <param name="Config">The embedded resolved config, with the run's overrides applied.</param>
/// <param name="Model">The compiled graphs and the architecture the config describes; <see cref="Predictor.Create(ModelGraph, PredictorOptions, IReadOnlyList{string})"/> runs it.</param>
public sealed record LoadedEngine(EngineInfo Info, CfgNode Config, ModelGraph Model);
