using Detserve.Graph;
using Detserve.Graph.Spec;
using Detserve.Import.Config;

namespace Detserve.Import.Model;

/// <summary>
/// Everything the engine needs to build a model: the resolved config, its typed architecture and the bound weights
/// (state-dict name -> tensor, exactly the file's values; FrozenBN is not folded here).
/// </summary>
/// <param name="Config">The resolved config (defaults + _BASE_ chain + file + overrides).</param>
/// <param name="Architecture">The architecture the config describes.</param>
/// <param name="Weights">Every tensor of <see cref="ParameterTable.Expected"/>, by Detectron2 state-dict name, in table order; empty when no weights were given.</param>
/// <param name="Warnings">Unexpected tensors and conversions, as Detectron2's checkpointer logs them.</param>
/// <param name="ConfigPath">The config file.</param>
/// <param name="WeightsPath">The weight file, or null.</param>
public sealed record ModelSpec(
    CfgNode Config,
    ArchitectureSpec Architecture,
    IReadOnlyDictionary<string, HostTensor> Weights,
    IReadOnlyList<string> Warnings,
    string ConfigPath,
    string? WeightsPath);
