using Detserve.Graph;
using Detserve.Graph.Spec;
using Detserve.Import.Config;
using Detserve.Import.Weights;

namespace Detserve.Import.Model;

/// <summary>
/// Config file + weight file -> <see cref="ModelSpec"/>: what Detectron2's DefaultPredictor does with
/// get_cfg().merge_from_file(config); merge_from_list(opts); build_model(cfg); DetectionCheckpointer(model).load(weights),
/// minus the Python.
/// </summary>
public static class ModelLoader
{
    /// <summary>Loads and binds a model.</summary>
    /// <param name="configPath">The YAML config (with _BASE_ chains).</param>
    /// <param name="weightsPath">The .pkl/.pth weights; null to use MODEL.WEIGHTS when it names a local file, else no weights.</param>
    /// <param name="opts">KEY VALUE overrides, as Detectron2's --opts.</param>
    /// <param name="limits">Limits for the weight reader, or null for the defaults.</param>
    /// <exception cref="ConfigException">the config cannot be resolved.</exception>
    /// <exception cref="UnsupportedModelException">the config asks for a model Detserve does not build.</exception>
    /// <exception cref="WeightFileException">the weight file cannot be read.</exception>
    /// <exception cref="WeightBindingException">the weights do not fit the architecture (every missing/mismatched tensor listed).</exception>
    public static ModelSpec Load(string configPath, string? weightsPath, IReadOnlyList<string>? opts = null, PickleLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(configPath);
        CfgNode cfg = ConfigLoader.LoadFile(configPath, opts);
        ArchitectureSpec arch = ArchitectureMapper.FromConfig(cfg);
        string? path = ResolveWeightsPath(cfg, weightsPath, configPath);
        if (path is null)
        {
            return new ModelSpec(cfg, arch, new Dictionary<string, HostTensor>(), ["no weights given (MODEL.WEIGHTS is empty): the model has no parameters"], configPath, null);
        }
        WeightFile file = WeightReader.Load(path, limits);
        WeightCheck check = WeightBinder.Bind(arch, file, cfg, configPath);
        var warnings = new List<string>(check.Notes);
        foreach (string name in check.Unexpected) warnings.Add($"unexpected tensor '{name}' in {path} is not used by the model");
        return new ModelSpec(cfg, arch, check.Bound, warnings, configPath, path);
    }

    /// <summary>
    /// The weights to read: the explicit path, else MODEL.WEIGHTS when it is a local file. Detectron2's "detectron2://" and
    /// http(s) URLs need a download, which Detserve never does.
    /// </summary>
    /// <param name="cfg">The resolved config.</param>
    /// <param name="weightsPath">The explicit path, or null.</param>
    /// <param name="configPath">The config file, for messages.</param>
    /// <param name="urlIsError">True to refuse a URL in MODEL.WEIGHTS (loading needs weights); false to treat it as no weights (inspect).</param>
    internal static string? ResolveWeightsPath(CfgNode cfg, string? weightsPath, string configPath, bool urlIsError = true)
    {
        if (!string.IsNullOrEmpty(weightsPath)) return weightsPath;
        string fromConfig = cfg.GetString("MODEL.WEIGHTS");
        if (fromConfig.Length == 0) return null;
        if (fromConfig.Contains("://", StringComparison.Ordinal) && !urlIsError) return null;
        if (fromConfig.Contains("://", StringComparison.Ordinal))
            throw new WeightFileException(
                $"{configPath}: MODEL.WEIGHTS = '{fromConfig}' is a URL; Detserve does not download: fetch the file and pass its path with --weights");
        return fromConfig;
    }
}
