using Detserve.Graph.Spec;

namespace Detserve.Graph.Build;

/// <summary>
/// The bottom-up ResNet of detectron2/modeling/backbone/resnet.py (build_resnet_backbone): BasicStem, then res2..res5 of BasicBlock
/// (depth 18/34) or BottleneckBlock (50/101/152), stride on the 1x1 when STRIDE_IN_1X1, grouped 3x3 for ResNeXt, RES5_DILATION.
/// </summary>
internal static class ResNetBuilder
{
    /// <summary>Adds the ResNet to the graph; returns the node of every stage ("res2".."res5") up to the deepest one needed.</summary>
    public static Dictionary<string, (int Node, int Stride)> Build(ConvFactory f, ResNetSpec spec, int image, string prefix, IReadOnlyCollection<string> needed)
    {
        bool frozen = spec.Norm switch
        {
            "FrozenBN" or "BN" => true, // eval-mode BatchNorm2d is the same affine map as FrozenBatchNorm2d
            "" => false,
            _ => throw new GraphBuildException($"MODEL.RESNETS.NORM '{spec.Norm}' is not supported by the graph (FrozenBN, BN or \"\")"),
        };
        if (spec.BlocksPerStage.Count != 4)
            throw new GraphBuildException($"MODEL.RESNETS.DEPTH {spec.Depth}: expected 4 stage block counts, got {spec.BlocksPerStage.Count}");
        if (spec.Res5Dilation is not (1 or 2))
            throw new GraphBuildException($"MODEL.RESNETS.RES5_DILATION {spec.Res5Dilation} is not supported (1 or 2)");
        if (spec.UsesBasicBlock)
        {
            if (spec.Res2OutChannels != 64) throw new GraphBuildException($"MODEL.RESNETS.RES2_OUT_CHANNELS must be 64 for depth {spec.Depth} (Detectron2 asserts it), got {spec.Res2OutChannels}");
            if (spec.Res5Dilation != 1) throw new GraphBuildException($"MODEL.RESNETS.RES5_DILATION must be 1 for depth {spec.Depth}, got {spec.Res5Dilation}");
            if (spec.NumGroups != 1) throw new GraphBuildException($"MODEL.RESNETS.NUM_GROUPS must be 1 for depth {spec.Depth}, got {spec.NumGroups}");
        }

        // BasicStem: conv1 7x7/2 pad 3 + norm + ReLU, max_pool2d(kernel 3, stride 2, padding 1).
        int x = f.Conv(prefix + "stem.conv1", image, spec.StemOutChannels, 7, 2, 3, 1, 1, bias: false, frozenBn: frozen, relu: true,
            impliedBy: "MODEL.RESNETS.STEM_OUT_CHANNELS");
        x = f.Graph.MaxPool2d(prefix + "stem.pool", x, new MaxPool2dAttributes(3, 2, 1));

        int maxStage = 2;
        foreach (string name in needed) maxStage = Math.Max(maxStage, StageIndex(name));
        var result = new Dictionary<string, (int, int)>();
        int inChannels = spec.StemOutChannels, outChannels = spec.Res2OutChannels;
        int bottleneck = spec.NumGroups * spec.WidthPerGroup;
        int stride = 4;
        for (int stage = 2; stage <= maxStage; stage++)
        {
            int idx = stage - 2;
            int dilation = stage == 5 ? spec.Res5Dilation : 1;
            int firstStride = idx == 0 || (stage == 5 && dilation == 2) ? 1 : 2;
            stride *= firstStride;
            for (int block = 0; block < spec.BlocksPerStage[idx]; block++)
            {
                string p = $"{prefix}res{stage}.{block}";
                int s = block == 0 ? firstStride : 1;
                x = spec.UsesBasicBlock
                    ? BasicBlock(f, p, x, inChannels, outChannels, s, frozen)
                    : BottleneckBlock(f, p, x, inChannels, outChannels, bottleneck, s, spec.NumGroups, spec.StrideInOneByOne, dilation, frozen);
                inChannels = outChannels;
            }
            result[$"res{stage}"] = (x, stride);
            outChannels *= 2;
            bottleneck *= 2;
        }
        return result;
    }

    private static int StageIndex(string name) =>
        name.Length == 4 && name.StartsWith("res", StringComparison.Ordinal) && name[3] is >= '2' and <= '5'
            ? name[3] - '0'
            : throw new GraphBuildException($"MODEL.RESNETS.OUT_FEATURES / MODEL.FPN.IN_FEATURES: '{name}' is not a ResNet stage (res2..res5)");

    // BasicBlock: conv3x3(stride) + norm + ReLU, conv3x3 + norm, + shortcut, ReLU.
    private static int BasicBlock(ConvFactory f, string p, int x, int inC, int outC, int stride, bool frozen)
    {
        int shortcut = inC != outC
            ? f.Conv(p + ".shortcut", x, outC, 1, stride, 0, 1, 1, bias: false, frozenBn: frozen, relu: false, "MODEL.RESNETS.RES2_OUT_CHANNELS")
            : x;
        int y = f.Conv(p + ".conv1", x, outC, 3, stride, 1, 1, 1, bias: false, frozenBn: frozen, relu: true, "MODEL.RESNETS.RES2_OUT_CHANNELS");
        y = f.Conv(p + ".conv2", y, outC, 3, 1, 1, 1, 1, bias: false, frozenBn: frozen, relu: false, "MODEL.RESNETS.RES2_OUT_CHANNELS");
        y = f.Graph.Add(p + ".add", y, shortcut);
        return f.Graph.Relu(p + ".relu", y);
    }

    // BottleneckBlock: 1x1 (stride if STRIDE_IN_1X1) + ReLU, 3x3 grouped/dilated (stride otherwise) + ReLU, 1x1, + shortcut, ReLU.
    private static int BottleneckBlock(ConvFactory f, string p, int x, int inC, int outC, int bottleneck, int stride, int groups,
        bool strideInOneByOne, int dilation, bool frozen)
    {
        int shortcut = inC != outC
            ? f.Conv(p + ".shortcut", x, outC, 1, stride, 0, 1, 1, bias: false, frozenBn: frozen, relu: false, "MODEL.RESNETS.RES2_OUT_CHANNELS")
            : x;
        (int s1, int s3) = strideInOneByOne ? (stride, 1) : (1, stride);
        int y = f.Conv(p + ".conv1", x, bottleneck, 1, s1, 0, 1, 1, bias: false, frozenBn: frozen, relu: true, "MODEL.RESNETS.WIDTH_PER_GROUP");
        y = f.Conv(p + ".conv2", y, bottleneck, 3, s3, dilation, dilation, groups, bias: false, frozenBn: frozen, relu: true, "MODEL.RESNETS.NUM_GROUPS");
        y = f.Conv(p + ".conv3", y, outC, 1, 1, 0, 1, 1, bias: false, frozenBn: frozen, relu: false, "MODEL.RESNETS.RES2_OUT_CHANNELS");
        y = f.Graph.Add(p + ".add", y, shortcut);
        return f.Graph.Relu(p + ".relu", y);
    }
}
