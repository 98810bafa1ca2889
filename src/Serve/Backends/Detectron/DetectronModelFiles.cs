using Detserve.Serve.Core;
using Detserve.Serve.Protocol;

namespace Detserve.Serve.Backends.Detectron;

/// <summary>
/// Where a "detserve" model version's files are: parameters "config_file" / "weights_file" (paths relative to
/// the version folder), else model.yaml and model.pkl (or model.pth) inside it. Detectron2 config overrides are
/// config parameters whose key is a config key ("MODEL.ROI_HEADS.SCORE_THRESH_TEST": "0.7"), applied as --opts.
/// </summary>
public sealed record DetectronModelFiles(string ConfigPath, string WeightsPath, IReadOnlyList<string> Opts)
{
    public const string ConfigFileName = "model.yaml";

    public static bool Present(string versionDirectory) =>
        File.Exists(Path.Combine(versionDirectory, ConfigFileName))
        && (File.Exists(Path.Combine(versionDirectory, "model.pkl")) || File.Exists(Path.Combine(versionDirectory, "model.pth")));

    public static DetectronModelFiles Resolve(ModelConfig config, string versionDirectory)
    {
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
            throw ServeException.InvalidArgument($"model '{config.Name}': Detectron2 config {configPath} does not exist (put model.yaml in the version folder or set parameter config_file)");
        }

        if (!File.Exists(weightsPath))
        {
            throw ServeException.InvalidArgument($"model '{config.Name}': weights {weightsPath} do not exist (put model.pkl or model.pth in the version folder or set parameter weights_file)");
        }

        var opts = new List<string>();
        foreach (var (key, value) in config.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (key.Length > 0 && char.IsAsciiLetterUpper(key[0]) && key.Contains('.', StringComparison.Ordinal))
            {
                opts.Add(key);
                opts.Add(value.StringValue);
            }
        }

        return new DetectronModelFiles(configPath, weightsPath, opts);
    }

    public static string? Parameter(ModelConfig config, string key) =>
        config.Parameters.TryGetValue(key, out var value) && value.StringValue.Length > 0 ? value.StringValue : null;
}
