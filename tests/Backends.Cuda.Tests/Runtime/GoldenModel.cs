using Detserve.Graph;
using Detserve.Graph.Build;
using Detserve.Import.Model;
using Detserve.Runtime;
using Detserve.Runtime.Cuda;
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

    /// <summary>The golden model and its built (uncompiled) graphs.</summary>
    public static (ModelSpec Spec, ModelGraph Model) LoadGraph(string model)
    {
        ModelSpec spec = Load(model);
        return (spec, ModelGraphBuilder.Build(spec.Architecture, spec.Weights, out _));
    }

    /// <summary>
    /// Runs a GPU detector on <paramref name="images"/> resized on the host as the CPU Predictor does, and post-processes its detections
    /// (and masks, when it has a mask head) to each original size, so they compare with the CPU Predictor's Instances.
    /// </summary>
    public static Instances[] RunGpu(IGpuDetector gpu, ModelSpec spec, IReadOnlyList<RgbImage> images)
    {
        var resized = images.Select(i => ImagePreprocessor.Resize(i, spec.Architecture.Input)).ToArray();
        var perImage = gpu.Run(resized, TestContext.Current.CancellationToken);
        return Enumerable.Range(0, images.Count).Select(n => DetectorPostprocess.Run(perImage[n].Detections, perImage[n].Masks, gpu.MaskResolution,
            resized[n].Height, resized[n].Width, images[n].Height, images[n].Width)).ToArray();
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
