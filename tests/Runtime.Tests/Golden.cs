namespace Detserve.Runtime.Tests;

/// <summary>Where the golden fixtures live: $GOLDEN_DIR, or ../shared/golden next to the repository root.</summary>
internal static class Golden
{
    public static string Dir { get; } = Find();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Dir, .. parts]);

    public const string MaskRcnn = "mask_rcnn_R_50_FPN_narrow";
    public const string RetinaNet = "retinanet_R_50_FPN_narrow";

    public static string ConfigOf(string model) => model == MaskRcnn
        ? Path("configs", "COCO-InstanceSegmentation", "mask_rcnn_R_50_FPN_narrow.yaml")
        : Path("configs", "COCO-Detection", "retinanet_R_50_FPN_narrow.yaml");

    public static string WeightsOf(string model) => Path("models", model + ".pkl");

    private static string Find()
    {
        string? env = Environment.GetEnvironmentVariable("GOLDEN_DIR");
        if (!string.IsNullOrEmpty(env)) return env;
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = System.IO.Path.GetDirectoryName(dir))
        {
            if (File.Exists(System.IO.Path.Combine(dir, "Detserve.slnx")))
                return System.IO.Path.GetFullPath(System.IO.Path.Combine(dir, "..", "shared", "golden"));
        }
        throw new DirectoryNotFoundException("golden fixtures not found: set GOLDEN_DIR or keep ../shared/golden beside the repository");
    }
}
