namespace Detserve.Eval.Tests;

/// <summary>Locates ../shared/golden (relative to the repository root) or $GOLDEN_DIR.</summary>
internal static class GoldenFiles
{
    public static string Root
    {
        get
        {
            string? fromEnvironment = Environment.GetEnvironmentVariable("GOLDEN_DIR");
            if (!string.IsNullOrEmpty(fromEnvironment))
            {
                return fromEnvironment;
            }

            for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Detserve.slnx")))
                {
                    return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "golden"));
                }
            }

            throw new DirectoryNotFoundException("Cannot find the repository root (Detserve.slnx) above " + AppContext.BaseDirectory);
        }
    }

    public static string Path_(params string[] parts) => Path.Combine([Root, .. parts]);
}
