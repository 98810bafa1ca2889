namespace Detserve.Import.Weights.Tests;

/// <summary>Where the golden fixtures live: $GOLDEN_DIR, else ../shared/golden beside the repository root.</summary>
internal static class GoldenPaths
{
    public static string Root
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("GOLDEN_DIR");
            if (!string.IsNullOrEmpty(env)) return env;
            return Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "golden"));
        }
    }

    /// <summary>The folder holding Detserve.slnx, found upward from the test binary.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Detserve.slnx"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException($"no Detserve.slnx above {AppContext.BaseDirectory}");
        }
    }

    public static string Model(string name) => Path.Combine(Root, "models", name + ".pkl");

    public static string Config(string relative) => Path.Combine(Root, "configs", relative);
}
