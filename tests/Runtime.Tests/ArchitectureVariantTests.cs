using Detserve.Graph;
using Detserve.Graph.Build;
using Detserve.Graph.Spec;
using Detserve.Import.Config;
using Detserve.Import.Model;

namespace Detserve.Runtime.Tests;

/// <summary>
/// Architectures the golden models do not cover (BasicBlock depths, ResNeXt groups, stride in the 3x3, deeper ResNets, Faster R-CNN)
/// built from the narrow config with overrides: the graph must read exactly the parameters Import's ParameterTable expects for the
/// config, and a small image must run through the whole predictor.
/// </summary>
public sealed class ArchitectureVariantTests
{
    public static TheoryData<string, string[]> Variants => new()
    {
        { "R18", ["MODEL.RESNETS.DEPTH", "18", "MODEL.RESNETS.RES2_OUT_CHANNELS", "64"] },
        { "R34", ["MODEL.RESNETS.DEPTH", "34", "MODEL.RESNETS.RES2_OUT_CHANNELS", "64"] },
        { "X101-4x8", ["MODEL.RESNETS.DEPTH", "101", "MODEL.RESNETS.NUM_GROUPS", "4", "MODEL.RESNETS.WIDTH_PER_GROUP", "8"] },
        { "stride-in-3x3", ["MODEL.RESNETS.STRIDE_IN_1X1", "False"] },
        { "faster-rcnn", ["MODEL.MASK_ON", "False"] },
        { "box-head-convs", ["MODEL.ROI_BOX_HEAD.NUM_CONV", "2", "MODEL.ROI_BOX_HEAD.CONV_DIM", "32", "MODEL.ROI_BOX_HEAD.NUM_FC", "1"] },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Variant_builds_from_the_parameter_table_and_runs(string name, string[] opts)
    {
        CfgNode cfg = ConfigLoader.LoadFile(Golden.ConfigOf(Golden.MaskRcnn), [.. opts, "MODEL.ROI_HEADS.SCORE_THRESH_TEST", "0.0", "INPUT.MIN_SIZE_TEST", "96"]);
        ArchitectureSpec arch = ArchitectureMapper.FromConfig(cfg);
        IReadOnlyDictionary<string, HostTensor> weights = SeededModel.Generate(arch, seed: 3, calibrationSize: 128);
        ModelGraph graph = ModelGraphBuilder.Build(arch, weights, out IReadOnlyList<string> unused);
        Assert.True(unused.Count == 0, $"{name}: parameters the graph does not read: {string.Join(", ", unused)}");
        Assert.Equal(arch.MaskOn, graph.MaskHead is not null);

        using Predictor predictor = Predictor.Create(arch, weights, new PredictorOptions(Threads: 1));
        var stages = new StageRecorder();
        Instances r = predictor.Run([SeededModel.SeededImage(80, 64, 5)], stages, TestContext.Current.CancellationToken)[0];
        TestContext.Current.TestOutputHelper?.WriteLine($"{name}: {stages.Get("rpn_proposals_logits").Shape[0]} proposals, p2 max {stages.Get("feat_p2").Values.Max()}, det {r.Count}");
        Assert.True(r.Count > 0, $"{name}: no detections at score threshold 0");
        Assert.Equal(arch.MaskOn, r.MaskProbabilities is not null);
        Assert.Equal((64, 80), (r.ImageHeight, r.ImageWidth));
    }
}
