using System.Text.Json;
using Detserve.Import.Model;

namespace Detserve.Import.Weights.Tests;

/// <summary>The inspect summary: architecture facts, parameter count and weights check, as plain JSON-able data.</summary>
public sealed class ModelSummaryTests
{
    private static string MaskConfig => GoldenPaths.Config("COCO-InstanceSegmentation/mask_rcnn_R_50_FPN_narrow.yaml");

    [Fact]
    public void GoldenMaskRcnn_SummaryDescribesTheNarrowModel()
    {
        ModelSummary s = ModelSummary.Inspect(MaskConfig, GoldenPaths.Model("mask_rcnn_R_50_FPN_narrow"));

        Assert.Equal("GeneralizedRCNN", s.MetaArchitecture);
        Assert.Equal("Mask R-CNN", s.Model);
        Assert.Equal(3, s.NumClasses);
        Assert.Equal("ResNet-50", s.Backbone.Name);
        Assert.Equal("FrozenBN", s.Backbone.Norm);
        Assert.True(s.Backbone.StrideInOneByOne);
        Assert.Equal(16, s.Backbone.StemOutChannels);
        // README: res2 out 64 (bottleneck 16); res3 128 (32); res4 256 (64); res5 512 (128).
        Assert.Equal([64, 128, 256, 512], s.Backbone.Stages.Select(x => x.OutChannels));
        Assert.Equal([16, 32, 64, 128], s.Backbone.Stages.Select(x => x.BottleneckChannels));
        Assert.Equal([3, 4, 6, 3], s.Backbone.Stages.Select(x => x.Blocks));
        Assert.Equal(["p2", "p3", "p4", "p5", "p6"], s.Fpn.Levels.Select(l => l.Name));
        Assert.Equal(64, s.Fpn.OutChannels);
        Assert.Equal(["proposal_generator.rpn_head", "roi_heads.box_head", "roi_heads.mask_head"], s.Heads.Select(h => h.Name));
        Assert.Contains("fc1: Linear 3136 -> 256 + ReLU", s.Heads[1].Layers);
        Assert.Equal("BGR", s.Input.Format);
        Assert.Equal(800, s.Input.MinSizeTest);
        Assert.Equal(1333, s.Input.MaxSizeTest);
        Assert.Equal(3, s.Anchors.AnchorsPerCell);
        // The README's count of float32 values in the file.
        Assert.Equal(2_778_898, s.ParameterCount);
        Assert.Equal(307, s.ParameterTensorCount);
        Assert.Equal(s.ParameterCount, s.Heads.Sum(h => h.ParameterCount) + BackboneCount(s));
        Assert.NotNull(s.Weights);
        Assert.Equal("ok", s.Weights!.Status);
        Assert.True(s.Weights.Ok);
        Assert.False(s.CheckFailed);
        Assert.Equal(2_778_898, s.Weights.ValueCount);
        Assert.Equal("refkit", s.Weights.Author);
    }

    private static long BackboneCount(ModelSummary s) =>
        Detserve.Import.Model.ParameterTable.Expected(ArchitectureMapper.FromConfig(Detserve.Import.Config.ConfigLoader.LoadFile(MaskConfig)))
            .Where(p => p.Name.StartsWith("backbone.", StringComparison.Ordinal)).Sum(p => p.ElementCount);

    [Fact]
    public void GoldenRetinaNet_Summary()
    {
        ModelSummary s = ModelSummary.Inspect(GoldenPaths.Config("COCO-Detection/retinanet_R_50_FPN_narrow.yaml"), GoldenPaths.Model("retinanet_R_50_FPN_narrow"));
        Assert.Equal("RetinaNet", s.Model);
        Assert.Equal(["p3", "p4", "p5", "p6", "p7"], s.Fpn.Levels.Select(l => l.Name));
        Assert.Equal("conv3x3/2(res5)", s.Fpn.Levels[3].Source);
        Assert.Equal(9, s.Anchors.AnchorsPerCell);
        Assert.Equal(2_326_255, s.ParameterCount);
        Assert.Equal("ok", s.Weights!.Status);
        Assert.Equal("0.05", s.Heads[0].Settings["MODEL.RETINANET.SCORE_THRESH_TEST"]);
    }

    [Fact]
    public void MismatchedWeights_FailTheCheck_WithoutThrowing()
    {
        ModelSummary s = ModelSummary.Inspect(MaskConfig, GoldenPaths.Model("mask_rcnn_R_50_FPN_narrow"), ["MODEL.ROI_HEADS.NUM_CLASSES", "5"]);
        Assert.True(s.CheckFailed);
        Assert.Equal("mismatched", s.Weights!.Status);
        ShapeMismatch cls = Assert.Single(s.Weights.Mismatched, m => m.Name == "roi_heads.box_predictor.cls_score.weight");
        Assert.Equal([6, 256], cls.Expected);
        Assert.Equal([4, 256], cls.Actual);
        Assert.Equal("MODEL.ROI_HEADS.NUM_CLASSES", cls.ImpliedBy);
        Assert.Equal("5", cls.ConfigValue);
    }

    [Fact]
    public void WithoutWeights_TheSummaryHasNoCheck()
    {
        ModelSummary s = ModelSummary.Inspect(Path.Combine(GoldenPaths.Root, "zoo-configs", "COCO-InstanceSegmentation/mask_rcnn_X_101_32x8d_FPN_3x.yaml"), null);
        Assert.Null(s.Weights);
        Assert.False(s.CheckFailed);
        Assert.Equal("ResNeXt-101 32x8d", s.Backbone.Name);
        Assert.Equal(80, s.NumClasses);
    }

    [Fact]
    public void Summary_SerializesToJson()
    {
        ModelSummary s = ModelSummary.Inspect(MaskConfig, GoldenPaths.Model("mask_rcnn_R_50_FPN_narrow"));
        using JsonDocument json = JsonDocument.Parse(JsonSerializer.Serialize(s));
        Assert.Equal(2_778_898, json.RootElement.GetProperty("ParameterCount").GetInt64());
        Assert.Equal("ok", json.RootElement.GetProperty("Weights").GetProperty("Status").GetString());
        Assert.Equal(4, json.RootElement.GetProperty("Backbone").GetProperty("Stages").GetArrayLength());
    }

    [Fact]
    public void SummaryFromModelSpec_MatchesInspect()
    {
        ModelSpec spec = ModelLoader.Load(MaskConfig, GoldenPaths.Model("mask_rcnn_R_50_FPN_narrow"));
        ModelSummary s = ModelSummary.Create(spec);
        Assert.Equal(2_778_898, s.ParameterCount);
        Assert.Equal("ok", s.Weights!.Status);
        Assert.Equal(307, s.Weights.TensorCount);
    }
}
