namespace Detserve.Cli.Tests;

/// <summary>Locations of the repository's sample and of the golden fixtures (../shared/golden or $GOLDEN_DIR).</summary>
internal static class Paths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Sample => Path.Combine(RepoRoot, "samples", "mask_rcnn_R_50_FPN_narrow");

    public static string SampleConfig => Path.Combine(Sample, "configs", "COCO-InstanceSegmentation", "mask_rcnn_R_50_FPN_narrow.yaml");

    public static string SampleWeights => Path.Combine(Sample, "model_final.pkl");

    public static string Golden => Environment.GetEnvironmentVariable("GOLDEN_DIR") is { Length: > 0 } g
        ? g
        : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "golden"));

    private static string FindRepoRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Detserve.slnx"))) dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("Detserve.slnx not found above " + AppContext.BaseDirectory);
    }
}
