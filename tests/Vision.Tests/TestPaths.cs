namespace Detserve.Vision.Tests;

/// <summary>Locations of the repository's fixtures and the shared golden folder.</summary>
internal static class TestPaths
{
    /// <summary>The checkout root: the nearest ancestor of the test binary holding Detserve.slnx.</summary>
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Detserve.slnx"))) return dir.FullName;
            }
            throw new DirectoryNotFoundException($"no Detserve.slnx above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>tests/Fixtures/images.</summary>
    public static string Images => Path.Combine(RepoRoot, "tests", "Fixtures", "images");

    /// <summary>$GOLDEN_DIR, else ../shared/golden next to the checkout.</summary>
    public static string Golden
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("GOLDEN_DIR");
            return string.IsNullOrEmpty(env) ? Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "golden")) : env;
        }
    }

    /// <summary>Lines of a tab-separated manifest under <see cref="Images"/>, split into fields.</summary>
    public static IEnumerable<string[]> Manifest(string name) =>
        File.ReadAllLines(Path.Combine(Images, name))
            .Where(l => l.Length > 0)
            .Select(l => l.Split('\t'));
}
