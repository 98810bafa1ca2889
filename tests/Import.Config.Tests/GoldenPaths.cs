namespace Detserve.Import.Config.Tests;

/// <summary>
/// Where the Detectron2 reference fixtures live: $GOLDEN_DIR, else ../shared/golden next to the repository root
/// (the folder holding Detserve.slnx). Never copied into the repository.
/// </summary>
internal static class GoldenPaths
{
    public static string Root
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable("GOLDEN_DIR");
            if (!string.IsNullOrEmpty(fromEnv))
            {
                return fromEnv;
            }

            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Detserve.slnx")))
            {
                dir = dir.Parent;
            }

            return dir is null
                ? throw new DirectoryNotFoundException("Cannot find the repository root (Detserve.slnx) to locate ../shared/golden; set GOLDEN_DIR")
                : Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "golden"));
        }
    }

    public static string ZooConfigs => Path.Combine(Root, "zoo-configs");

    public static string ConfigDumps => Path.Combine(Root, "config-dumps");
}
