using Detserve.Graph;
using Detserve.Graph.Build;
using Detserve.Graph.Compile;
using Detserve.Graph.Spec;
using Detserve.Import.Model;

namespace Detserve.Runtime.Tests;

/// <summary>The model graph built from the golden narrow configs and checkpoints, and the builder's refusals.</summary>
public sealed class ModelGraphBuilderTests
{
    private static ModelSpec Load(string model) => ModelLoader.Load(Golden.ConfigOf(model), Golden.WeightsOf(model));

    [Fact]
    public void Mask_rcnn_graph_has_the_resnet50_fpn_structure_and_uses_every_weight()
    {
        ModelSpec spec = Load(Golden.MaskRcnn);
        ModelGraph graph = ModelGraphBuilder.Build(spec.Architecture, spec.Weights, out IReadOnlyList<string> unused);
        Assert.Empty(unused);
        var counts = graph.Dense.CountByOp();
        // ResNet-50: stem conv + 16 blocks x 3 convs + 4 shortcuts = 53 convs, each with FrozenBN; FPN 4 lateral + 4 output;
        // RPN head 3 convs on each of 5 levels.
        Assert.Equal(53 + 8 + 15, counts[OpKind.Conv2d]);
        Assert.Equal(53, counts[OpKind.FrozenBatchNorm]);
        Assert.Equal(3, counts[OpKind.UpsampleNearest2xAdd]);
        Assert.Equal(2, counts[OpKind.MaxPool2d]); // stem pool and LastLevelMaxPool
        Assert.Equal(["p2", "p3", "p4", "p5", "p6"], graph.FeatureLevels.Select(l => l.Name));
        Assert.Equal([4, 8, 16, 32, 64], graph.FeatureLevels.Select(l => l.Stride));
        Assert.Equal(new NodeShape(4, 1, 1), graph.BoxHead!.Output("cls_logits").Shape);
        Assert.Equal(new NodeShape(12, 1, 1), graph.BoxHead.Output("box_deltas").Shape);
        Assert.Equal(new NodeShape(3, 28, 28), graph.MaskHead!.Output("mask_logits").Shape);

        NetworkGraph compiled = GraphCompiler.Compile(graph.Dense);
        var compiledCounts = compiled.CountByOp();
        Assert.False(compiledCounts.ContainsKey(OpKind.FrozenBatchNorm));
        Assert.False(compiledCounts.ContainsKey(OpKind.Add));
        Assert.Equal(counts[OpKind.Conv2d], compiledCounts[OpKind.Conv2d]);
    }

    [Fact]
    public void RetinaNet_graph_has_p3_to_p7_and_the_head_on_each_level()
    {
        ModelSpec spec = Load(Golden.RetinaNet);
        ModelGraph graph = ModelGraphBuilder.Build(spec.Architecture, spec.Weights, out IReadOnlyList<string> unused);
        Assert.Empty(unused);
        Assert.Equal(["p3", "p4", "p5", "p6", "p7"], graph.FeatureLevels.Select(l => l.Name));
        Assert.Equal(new NodeShape(27, NodeShape.Dynamic, NodeShape.Dynamic), graph.Dense.Output("head_cls_p7").Shape);
        Assert.Equal(new NodeShape(36, NodeShape.Dynamic, NodeShape.Dynamic), graph.Dense.Output("head_box_p3").Shape);
        Assert.Null(graph.BoxHead);
    }

    [Fact]
    public void A_missing_weight_is_named_with_its_shape_and_config_key()
    {
        ModelSpec spec = Load(Golden.MaskRcnn);
        var weights = spec.Weights.Where(kv => kv.Key != "roi_heads.box_predictor.cls_score.weight").ToDictionary();
        var e = Assert.Throws<GraphBuildException>(() => ModelGraphBuilder.Build(spec.Architecture, weights, out _));
        Assert.Contains("roi_heads.box_predictor.cls_score.weight", e.Message, StringComparison.Ordinal);
        Assert.Contains("[4, 256]", e.Message, StringComparison.Ordinal);
        Assert.Contains("MODEL.ROI_HEADS.NUM_CLASSES", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("resnet-norm", "MODEL.RESNETS.NORM")]
    [InlineData("fpn-norm", "MODEL.FPN.NORM")]
    [InlineData("fpn-fuse", "MODEL.FPN.FUSE_TYPE")]
    [InlineData("box-norm", "MODEL.ROI_BOX_HEAD.NORM")]
    [InlineData("pooler", "MODEL.ROI_BOX_HEAD.POOLER_TYPE")]
    [InlineData("format", "INPUT.FORMAT")]
    public void Unsupported_settings_are_refused_naming_the_config_key(string change, string key)
    {
        ModelSpec spec = Load(Golden.MaskRcnn);
        ArchitectureSpec a = spec.Architecture;
        ArchitectureSpec changed = change switch
        {
            "resnet-norm" => a with { Backbone = a.Backbone with { Norm = "GN" } },
            "fpn-norm" => a with { Fpn = a.Fpn with { Norm = "GN" } },
            "fpn-fuse" => a with { Fpn = a.Fpn with { FuseType = "avg" } },
            "box-norm" => a with { RoiHeads = a.RoiHeads! with { BoxHead = a.RoiHeads.BoxHead with { Norm = "GN" } } },
            "pooler" => a with { RoiHeads = a.RoiHeads! with { BoxHead = a.RoiHeads.BoxHead with { PoolerType = "ROIPool" } } },
            "format" => a with { Input = a.Input with { Format = "L" } },
            _ => throw new ArgumentOutOfRangeException(nameof(change)),
        };
        var e = Assert.Throws<GraphBuildException>(() => ModelGraphBuilder.Build(changed, spec.Weights, out _));
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }
}
