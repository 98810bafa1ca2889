namespace Detserve.Runtime.Cuda.Tests;

/// <summary>Where the golden fixtures live: $GOLDEN_DIR (set by .device/env.sh on the GPU machine), or ../shared/golden beside the repository.</summary>
internal static class Golden
{
    public const string MaskRcnn = "mask_rcnn_R_50_FPN_narrow";
    public const string RetinaNet = "retinanet_R_50_FPN_narrow";

    public static string Dir { get; } = Find();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Dir, .. parts]);

    public static string ConfigOf(string model) => model == MaskRcnn
        ? Path("configs", "COCO-InstanceSegmentation", model + ".yaml")
        : Path("configs", "COCO-Detection", model + ".yaml");

    public static string WeightsOf(string model) => Path("models", model + ".pkl");

    public static string Images => Path("shapes_test");

    public static string Annotations => Path("shapes_test", "annotations.json");

    public static string CocoEvalOf(string model) => Path("reference", model, "coco_eval.json");

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
