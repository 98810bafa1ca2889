using Detserve.Runtime.Engine;
using Detserve.Serve.Core;
using Detserve.Serve.Protocol;

namespace Detserve.Serve.Backends.Detectron;

/// <summary>
/// Where a "detserve" model version's files are: an engine (parameter "engine_file", else model.engine in the version folder), or a
/// Detectron2 config and weights (parameters "config_file" / "weights_file", else model.yaml and model.pkl or model.pth). Paths are
/// relative to the version folder. Detectron2 config overrides are config parameters whose key is a config key
/// ("MODEL.ROI_HEADS.SCORE_THRESH_TEST": "0.7"), applied as --opts (an engine takes only test-time keys).
/// </summary>
/// <param name="ConfigPath">The config, or null for an engine.</param>
/// <param name="WeightsPath">The weights, or null for an engine.</param>
/// <param name="EnginePath">The engine file, or null for config + weights.</param>
/// <param name="Opts">KEY VALUE overrides.</param>
public sealed record DetectronModelFiles(string? ConfigPath, string? WeightsPath, string? EnginePath, IReadOnlyList<string> Opts)
{
    public const string ConfigFileName = "model.yaml";
    public const string EngineFileName = "model.engine";

    public static bool Present(string versionDirectory) =>
        File.Exists(Path.Combine(versionDirectory, EngineFileName))
        || (File.Exists(Path.Combine(versionDirectory, ConfigFileName))
            && (File.Exists(Path.Combine(versionDirectory, "model.pkl")) || File.Exists(Path.Combine(versionDirectory, "model.pth"))));

    public static DetectronModelFiles Resolve(ModelConfig config, string versionDirectory)
    {
        var opts = new List<string>();
        foreach (var (key, value) in config.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (key.Length > 0 && char.IsAsciiLetterUpper(key[0]) && key.Contains('.', StringComparison.Ordinal))
            {
                opts.Add(key);
                opts.Add(value.StringValue);
            }
        }

        string? enginePath = Parameter(config, "engine_file") is { } e
            ? Path.GetFullPath(Path.Combine(versionDirectory, e))
            : Parameter(config, "config_file") is null && File.Exists(Path.Combine(versionDirectory, EngineFileName)) ? Path.Combine(versionDirectory, EngineFileName) : null;
        if (enginePath is not null)
        {
            if (Parameter(config, "config_file") is not null || Parameter(config, "weights_file") is not null)
            {
                throw ServeException.InvalidArgument($"model '{config.Name}': parameter engine_file excludes config_file and weights_file (an engine holds its config and weights)");
            }

            if (!File.Exists(enginePath))
            {
                throw ServeException.InvalidArgument($"model '{config.Name}': engine {enginePath} does not exist (build one with detserve build, or set parameter engine_file)");
            }

            foreach (var key in opts.Where((_, i) => i % 2 == 0))
            {
                if (!EngineOverrides.IsAllowed(key))
                {
                    throw ServeException.InvalidArgument($"model '{config.Name}': parameter {key} is fixed when {enginePath} is built; only test-time keys (thresholds, top-k, test resize) can be set on an engine");
                }
            }

            return new DetectronModelFiles(null, null, enginePath, opts);
        }

        var configPath = Parameter(config, "config_file") is { } c ? Path.GetFullPath(Path.Combine(versionDirectory, c)) : Path.Combine(versionDirectory, ConfigFileName);
        string weightsPath;
        if (Parameter(config, "weights_file") is { } w)
        {
            weightsPath = Path.GetFullPath(Path.Combine(versionDirectory, w));
        }
        else
        {
            weightsPath = new[] { "model.pkl", "model.pth" }.Select(n => Path.Combine(versionDirectory, n)).FirstOrDefault(File.Exists)
                ?? Path.Combine(versionDirectory, "model.pkl");
        }

        if (!File.Exists(configPath))
        {
            throw ServeException.InvalidArgument($"model '{config.Name}': Detectron2 config {configPath} does not exist (put model.yaml and model.pkl, or model.engine, in the version folder, or set parameter config_file or engine_file)");
        }

        if (!File.Exists(weightsPath))
        {
            throw ServeException.InvalidArgument($"model '{config.Name}': weights {weightsPath} do not exist (put model.pkl or model.pth in the version folder or set parameter weights_file)");
        }

        return new DetectronModelFiles(configPath, weightsPath, null, opts);
    }

    public static string? Parameter(ModelConfig config, string key) =>
        config.Parameters.TryGetValue(key, out var value) && value.StringValue.Length > 0 ? value.StringValue : null;
}
