using System.Globalization;

namespace Detserve.Serve.Repository;

/// <summary>
/// A model folder of a Triton-layout repository: config.pbtxt (optional) and numeric version folders.
/// Folders whose names are not non-negative integers are ignored, as Triton does.
/// </summary>
public sealed record ModelDirectory(string Name, string Path, IReadOnlyDictionary<long, string> Versions)
{
    public const string ConfigFileName = "config.pbtxt";

    public string ConfigPath => System.IO.Path.Combine(Path, ConfigFileName);

    public static ModelDirectory Scan(string path)
    {
        var versions = new Dictionary<long, string>();
        foreach (var child in Directory.EnumerateDirectories(path))
        {
            var name = System.IO.Path.GetFileName(child);
            if (long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                versions[version] = child;
            }
        }

        return new ModelDirectory(System.IO.Path.GetFileName(path), path, versions);
    }

    /// <summary>A cheap change signature for poll mode: names and write times of the config and version folders' files.</summary>
    public string Fingerprint()
    {
        var parts = new List<string>();
        if (File.Exists(ConfigPath))
        {
            parts.Add("config:" + File.GetLastWriteTimeUtc(ConfigPath).Ticks.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var (version, dir) in Versions.OrderBy(v => v.Key))
        {
            parts.Add(version.ToString(CultureInfo.InvariantCulture));
            foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                parts.Add(file + ":" + File.GetLastWriteTimeUtc(file).Ticks.ToString(CultureInfo.InvariantCulture));
            }
        }

        return string.Join("|", parts);
    }
}
