namespace Detserve.Tests.Shared;

/// <summary>The repository's tests/Fixtures folder, found by walking up from the test binary to Detserve.slnx.</summary>
internal static class Fixtures
{
    public static string Path(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Detserve.slnx")))
                return System.IO.Path.Combine([dir.FullName, "tests", "Fixtures", .. parts]);
        throw new DirectoryNotFoundException($"no Detserve.slnx above {AppContext.BaseDirectory}");
    }

    /// <summary>A JPEG of tests/Fixtures/images/jpeg.</summary>
    public static byte[] Jpeg(string name) => File.ReadAllBytes(Path("images", "jpeg", name + ".jpg"));
}
