using Detserve.Graph.Spec;

namespace Detserve.Graph.Build;

/// <summary>
/// detectron2/modeling/backbone/fpn.py: 1x1 lateral and 3x3 output convs (with bias when FPN.NORM is ""), top-down nearest 2x
/// upsampling summed with the lateral, then the top block (LastLevelMaxPool or LastLevelP6P7).
/// </summary>
internal static class FpnBuilder
{
    /// <summary>Adds the FPN; returns its outputs ("pK", stride) from the finest level up.</summary>
    public static List<(string Name, int Node, int Stride)> Build(ConvFactory f, FpnSpec spec, IReadOnlyDictionary<string, (int Node, int Stride)> bottomUp)
    {
        if (spec.Norm.Length != 0)
            throw new GraphBuildException($"MODEL.FPN.NORM '{spec.Norm}' is not supported by the graph (only \"\")");
        if (spec.FuseType != "sum")
            throw new GraphBuildException($"MODEL.FPN.FUSE_TYPE '{spec.FuseType}' is not supported by the graph (only \"sum\")");
        if (spec.InFeatures.Count == 0) throw new GraphBuildException("MODEL.FPN.IN_FEATURES is empty");

        var inputs = new List<(string Name, int Node, int Stride)>();
        foreach (string name in spec.InFeatures)
        {
            if (!bottomUp.TryGetValue(name, out var feature))
                throw new GraphBuildException($"MODEL.FPN.IN_FEATURES names '{name}', which the backbone does not produce");
            inputs.Add((name, feature.Node, feature.Stride));
        }
        for (int i = 1; i < inputs.Count; i++)
            if (inputs[i].Stride != 2 * inputs[i - 1].Stride)
                throw new GraphBuildException($"MODEL.FPN.IN_FEATURES: strides must double level to level, got {inputs[i - 1].Stride} then {inputs[i].Stride} (RES5_DILATION 2 has no FPN)");

        // Built top (coarsest) first, as FPN.forward does.
        var results = new List<(string Name, int Node, int Stride)>();
        int prev = -1;
        for (int i = inputs.Count - 1; i >= 0; i--)
        {
            int level = Log2(inputs[i].Stride);
            int lateral = f.Conv($"backbone.fpn_lateral{level}", inputs[i].Node, spec.OutChannels, 1, 1, 0, 1, 1,
                bias: true, frozenBn: false, relu: false, "MODEL.FPN.OUT_CHANNELS");
            prev = prev < 0 ? lateral : f.Graph.UpsampleNearest2xAdd($"backbone.fpn_topdown{level}", prev, lateral);
            int output = f.Conv($"backbone.fpn_output{level}", prev, spec.OutChannels, 3, 1, 1, 1, 1,
                bias: true, frozenBn: false, relu: false, "MODEL.FPN.OUT_CHANNELS");
            results.Insert(0, ($"p{level}", output, inputs[i].Stride));
        }

        int lastStride = results[^1].Stride;
        int lastLevel = Log2(lastStride);
        switch (spec.TopBlock)
        {
            case FpnTopBlock.None:
                break;
            case FpnTopBlock.LastLevelMaxPool:
            {
                // LastLevelMaxPool: F.max_pool2d(p5, kernel_size=1, stride=2, padding=0).
                int src = FindOutput(results, spec.TopBlockInFeature);
                int p = f.Graph.MaxPool2d($"backbone.top_block.p{lastLevel + 1}", src, new MaxPool2dAttributes(1, 2, 0));
                results.Add(($"p{lastLevel + 1}", p, lastStride * 2));
                break;
            }
            case FpnTopBlock.LastLevelP6P7:
            {
                int src = bottomUp.TryGetValue(spec.TopBlockInFeature, out var bu) ? bu.Node : FindOutput(results, spec.TopBlockInFeature);
                if (f.Graph.ShapeOf(src).Channels != spec.TopBlockInChannels)
                    throw new GraphBuildException($"FPN top block input '{spec.TopBlockInFeature}' has {f.Graph.ShapeOf(src).Channels} channels, the spec says {spec.TopBlockInChannels}");
                int p6 = f.Conv("backbone.top_block.p6", src, spec.OutChannels, 3, 2, 1, 1, 1, bias: true, frozenBn: false, relu: false, "MODEL.FPN.OUT_CHANNELS");
                int r6 = f.Graph.Relu("backbone.top_block.p7.relu_in", p6);
                int p7 = f.Conv("backbone.top_block.p7", r6, spec.OutChannels, 3, 2, 1, 1, 1, bias: true, frozenBn: false, relu: false, "MODEL.FPN.OUT_CHANNELS");
                results.Add(($"p{lastLevel + 1}", p6, lastStride * 2));
                results.Add(($"p{lastLevel + 2}", p7, lastStride * 4));
                break;
            }
            default:
                throw new GraphBuildException($"MODEL.BACKBONE.NAME: FPN top block {spec.TopBlock} is not supported");
        }
        return results;
    }

    private static int FindOutput(List<(string Name, int Node, int Stride)> results, string name)
    {
        foreach (var r in results) if (r.Name == name) return r.Node;
        throw new GraphBuildException($"FPN top block reads '{name}', which is neither a backbone stage nor an FPN output");
    }

    private static int Log2(int stride) =>
        int.IsPow2(stride) ? System.Numerics.BitOperations.Log2((uint)stride) : throw new GraphBuildException($"feature stride {stride} is not a power of two");
}
