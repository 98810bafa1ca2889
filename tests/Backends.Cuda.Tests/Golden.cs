namespace Detserve.Backends.Cuda.Tests;

/// <summary>Where ../shared/golden is: $GOLDEN_DIR, else ../shared/golden beside the repository that holds this build.</summary>
internal static class Golden
{
    public static string? Directory()
    {
        string? env = Environment.GetEnvironmentVariable("GOLDEN_DIR");
        if (!string.IsNullOrEmpty(env) && System.IO.Directory.Exists(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Detserve.slnx")))
            {
                string candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "golden"));
                return System.IO.Directory.Exists(candidate) ? candidate : null;
            }
        }
        return null;
    }

    /// <summary>The Mask R-CNN stage folder of one image, or a skip when the golden data is absent here.</summary>
    public static string MaskRcnnStage(string image)
    {
        string? root = Directory();
        if (root is null) Assert.Skip("../shared/golden is not available (set GOLDEN_DIR)");
        string dir = Path.Combine(root, "reference", "mask_rcnn_R_50_FPN_narrow", "stages", image);
        if (!System.IO.Directory.Exists(dir)) Assert.Skip($"{dir} is not available");
        return dir;
    }
}
