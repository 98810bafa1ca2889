using Detserve.Graph;
using Detserve.Graph.Spec;
using Detserve.Import.Config;
using Detserve.Import.Model;

namespace Detserve.Import.Weights.Tests;

/// <summary>Binding weights to the architecture: errors name tensor, shapes and config key; Caffe2 names converted as Detectron2 does.</summary>
public sealed class WeightBinderTests
{
    private const string MaskConfig = "COCO-InstanceSegmentation/mask_rcnn_R_50_FPN_narrow.yaml";
    private const string MaskModel = "mask_rcnn_R_50_FPN_narrow";

    [Fact]
    public void ModelLoader_LoadsTheGoldenModel()
    {
        ModelSpec spec = ModelLoader.Load(GoldenPaths.Config(MaskConfig), GoldenPaths.Model(MaskModel));
        Assert.Equal(307, spec.Weights.Count);
        Assert.Empty(spec.Warnings);
        Assert.Equal(GoldenPaths.Model(MaskModel), spec.WeightsPath);
        Assert.Equal(MetaArchitecture.GeneralizedRCNN, spec.Architecture.MetaArchitecture);
    }

    [Fact]
    public void ModelLoader_LoadsTheGoldenModelSavedAsATorchCheckpoint()
    {
        // The golden weights as DetectionCheckpointer.save would write them: {"model": OrderedDict, "iteration": ...} in a torch zip.
        WeightFile golden = WeightReader.Load(GoldenPaths.Model(MaskModel));
        var views = golden.Tensors.Select((kv, i) =>
            (kv.Key, new TestTorchZipWriter.TensorView(i.ToString(System.Globalization.CultureInfo.InvariantCulture), kv.Value, 0,
                kv.Value.Shape.ToArray(), Strides(kv.Value.Shape)))).ToList();
        using var dir = new TempDirectory();
        string path = dir.Write("model_final.pth", TestTorchZipWriter.WriteCheckpoint(views, archive: "model_final"));

        ModelSpec spec = ModelLoader.Load(GoldenPaths.Config(MaskConfig), path);

        Assert.Equal(307, spec.Weights.Count);
        Assert.Empty(spec.Warnings);
        foreach (var (name, tensor) in golden.Tensors)
            Assert.True(tensor.Bytes.SequenceEqual(spec.Weights[name].Bytes), $"{name} differs");
    }

    private static long[] Strides(IReadOnlyList<int> shape)
    {
        var strides = new long[shape.Count];
        long step = 1;
        for (int d = shape.Count - 1; d >= 0; d--) { strides[d] = step; step *= shape[d]; }
        return strides;
    }

    [Fact]
    public void NumClassesOverride_FailsWithEveryMismatchNamingTheConfigKey()
    {
        var e = Assert.Throws<WeightBindingException>(() =>
            ModelLoader.Load(GoldenPaths.Config(MaskConfig), GoldenPaths.Model(MaskModel), ["MODEL.ROI_HEADS.NUM_CLASSES", "5"]));
        Assert.Contains("'roi_heads.box_predictor.cls_score.weight' is [4, 256] but MODEL.ROI_HEADS.NUM_CLASSES=5 needs [6, 256]", e.Message, StringComparison.Ordinal);
        Assert.Contains("'roi_heads.box_predictor.bbox_pred.weight' is [12, 256] but MODEL.ROI_HEADS.NUM_CLASSES=5 needs [20, 256]", e.Message, StringComparison.Ordinal);
        Assert.Contains("'roi_heads.mask_head.predictor.weight' is [3, 64, 1, 1] but MODEL.ROI_HEADS.NUM_CLASSES=5 needs [5, 64, 1, 1]", e.Message, StringComparison.Ordinal);
        Assert.Contains(GoldenPaths.Model(MaskModel), e.Message, StringComparison.Ordinal);
        Assert.NotNull(e.Check);
        Assert.Equal(6, e.Check!.Mismatched.Count);
        Assert.Empty(e.Check.Missing);
    }

    [Fact]
    public void WidthOverride_ReportsTheBackboneKey()
    {
        var e = Assert.Throws<WeightBindingException>(() =>
            ModelLoader.Load(GoldenPaths.Config(MaskConfig), GoldenPaths.Model(MaskModel), ["MODEL.FPN.OUT_CHANNELS", "32"]));
        Assert.Contains("'backbone.fpn_lateral2.weight' is [64, 64, 1, 1] but MODEL.FPN.OUT_CHANNELS=32 needs [32, 64, 1, 1]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingTensors_AreListed_UnexpectedOnesAreWarnings()
    {
        CfgNode cfg = ConfigLoader.LoadFile(GoldenPaths.Config(MaskConfig));
        ArchitectureSpec arch = ArchitectureMapper.FromConfig(cfg);
        WeightFile golden = WeightReader.Load(GoldenPaths.Model(MaskModel));
        var tensors = new OrderedDictionary<string, HostTensor>(golden.Tensors);
        tensors.Remove("roi_heads.mask_head.deconv.weight");
        tensors.Add("roi_heads.keypoint_head.extra.weight", HostTensor.FromFloat32([1], [0f]));
        tensors.Add("backbone.bottom_up.res2.0.conv1.norm.num_batches_tracked", new HostTensor(DType.Int64, [], new byte[8]));
        var file = new WeightFile("edited.pkl", "pkl", "test", false, tensors);

        WeightCheck check = WeightBinder.Check(arch, file, cfg);
        Assert.False(check.Ok);
        ExpectedParameter missing = Assert.Single(check.Missing);
        Assert.Equal("roi_heads.mask_head.deconv.weight", missing.Name);
        Assert.Equal("MODEL.ROI_MASK_HEAD.CONV_DIM", missing.ImpliedBy);
        Assert.Equal(["roi_heads.keypoint_head.extra.weight"], check.Unexpected);
        var e = Assert.Throws<WeightBindingException>(() => WeightBinder.Bind(arch, file, cfg, "narrow.yaml"));
        Assert.Contains("'roi_heads.mask_head.deconv.weight' [64, 64, 2, 2] is missing (implied by MODEL.ROI_MASK_HEAD.CONV_DIM)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModulePrefix_IsStripped()
    {
        CfgNode cfg = ConfigLoader.LoadFile(GoldenPaths.Config(MaskConfig));
        ArchitectureSpec arch = ArchitectureMapper.FromConfig(cfg);
        WeightFile golden = WeightReader.Load(GoldenPaths.Model(MaskModel));
        var prefixed = new OrderedDictionary<string, HostTensor>();
        foreach (var (k, v) in golden.Tensors) prefixed.Add("module." + k, v);
        WeightCheck check = WeightBinder.Check(arch, new WeightFile("ddp.pth", "pth", null, false, prefixed), cfg);
        Assert.True(check.Ok);
        Assert.Contains(check.Notes, n => n.Contains("module.", StringComparison.Ordinal));
    }

    [Fact]
    public void Caffe2NamedWeights_AreConvertedAsDetectron2Does()
    {
        CfgNode cfg = ConfigLoader.LoadFile(GoldenPaths.Config(MaskConfig));
        ArchitectureSpec arch = ArchitectureMapper.FromConfig(cfg);
        WeightFile golden = WeightReader.Load(GoldenPaths.Model(MaskModel));
        var blobs = new OrderedDictionary<string, HostTensor>();
        foreach (var (name, tensor) in golden.Tensors)
        {
            // Detectron1 checkpoints have no BN running statistics: FrozenBN defaults them to 0 / 1.
            if (name.EndsWith("running_mean", StringComparison.Ordinal) || name.EndsWith("running_var", StringComparison.Ordinal)) continue;
            blobs.Add(Caffe2Names.ToCaffe2(name), Caffe2Names.ToCaffe2Layout(name, tensor));
        }
        blobs.Add("fc6_w_momentum", HostTensor.FromFloat32([1], [0f]));
        string[] someNames = ["conv1_w", "res_conv1_bn_s", "res2_0_branch1_w", "res3_3_branch2c_bn_b", "fpn_inner_res2_2_sum_lateral_w", "fpn_res5_2_sum_b",
            "conv_rpn_fpn2_w", "rpn_bbox_pred_fpn2_b", "fc6_w", "cls_score_w", "bbox_pred_b", "_[mask]_fcn4_w", "conv5_mask_w", "mask_fcn_logits_w"];
        foreach (string n in someNames) Assert.True(blobs.ContainsKey(n), n);

        using var dir = new TempDirectory();
        var top = new Detserve.Import.Weights.PickleDict();
        var blobDict = new Detserve.Import.Weights.PickleDict();
        foreach (var (k, v) in blobs) blobDict.Set(k, v);
        top.Set("blobs", blobDict);
        // Detectron1 files are Python 2 pickles: array data and names are str (BINSTRING).
        string path = dir.Write("detectron1.pkl", TestPickleWriter.Write(top, 2, python2: true));

        WeightFile file = WeightReader.Load(path);
        Assert.Equal("Caffe2", file.Author);
        Assert.True(file.MatchingHeuristics);
        Assert.DoesNotContain("fc6_w_momentum", file.Tensors.Keys);

        WeightCheck check = WeightBinder.Check(arch, file, cfg);
        Assert.True(check.Ok, WeightBinder.Describe(check, path, null));
        Assert.Empty(check.Unexpected);
        foreach (var (name, tensor) in golden.Tensors)
        {
            HostTensor bound = check.Bound[name];
            if (name.EndsWith("running_mean", StringComparison.Ordinal)) Assert.All(bound.ToFloat32(), v => Assert.Equal(0f, v));
            else if (name.EndsWith("running_var", StringComparison.Ordinal)) Assert.All(bound.ToFloat32(), v => Assert.Equal(1f, v));
            else Assert.True(tensor.Bytes.SequenceEqual(bound.Bytes), $"{name} differs after Caffe2 conversion");
        }
    }
}
