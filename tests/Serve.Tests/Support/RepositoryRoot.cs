namespace Detserve.Serve.Tests.Support;

/// <summary>The checkout's root (the folder holding Detserve.slnx), found from the test binary's folder.</summary>
public static class RepositoryRoot
{
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Detserve.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no Detserve.slnx above {AppContext.BaseDirectory}");
    }
}
