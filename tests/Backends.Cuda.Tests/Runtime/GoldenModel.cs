using Detserve.Import.Model;
using Detserve.Vision;

namespace Detserve.Backends.Cuda.Tests.Runtime;

/// <summary>The golden Mask R-CNN (and RetinaNet) of ../shared/golden, loaded through Import; a skip where the files are absent.</summary>
internal static class GoldenModel
{
    public const string MaskRcnn = "mask_rcnn_R_50_FPN_narrow";
    public const string RetinaNet = "retinanet_R_50_FPN_narrow";

    public static ModelSpec Load(string model, params string[] opts)
    {
        string root = Golden.Directory() ?? SkipReturn("../shared/golden is not available (set GOLDEN_DIR)");
        string config = Path.Combine(root, "configs", model == MaskRcnn ? "COCO-InstanceSegmentation" : "COCO-Detection", model + ".yaml");
        string weights = Path.Combine(root, "models", model + ".pkl");
        if (!File.Exists(config) || !File.Exists(weights)) SkipReturn($"{config} or {weights} is not available");
        return ModelLoader.Load(config, weights, opts);
    }

    public static RgbImage Image(string name)
    {
        string root = Golden.Directory() ?? SkipReturn("../shared/golden is not available (set GOLDEN_DIR)");
        string path = Path.Combine(root, "shapes_test", name + ".png");
        if (!File.Exists(path)) SkipReturn($"{path} is not available");
        return ImageDecoder.DecodeFile(path);
    }

    private static string SkipReturn(string why)
    {
        Assert.Skip(why);
        return why;
    }
}
