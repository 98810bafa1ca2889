namespace Detserve.Backends.Cuda.Tests;

/// <summary>The repository's tests/Fixtures folder, found by walking up from the test binary to Detserve.slnx.</summary>
internal static class Fixtures
{
    public static string Directory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Detserve.slnx"))) return Path.Combine(dir.FullName, "tests", "Fixtures");
        throw new DirectoryNotFoundException($"no Detserve.slnx above {AppContext.BaseDirectory}");
    }
}
