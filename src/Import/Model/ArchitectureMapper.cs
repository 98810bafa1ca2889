using System.Collections.Frozen;
using Detserve.Graph.Spec;
using Detserve.Import.Config;

namespace Detserve.Import.Model;

/// <summary>
/// Reads a resolved Detectron2 config into the typed <see cref="ArchitectureSpec"/>, doing what Detectron2's builders do
/// (build_model -> GeneralizedRCNN / RetinaNet, build_resnet_fpn_backbone, build_retinanet_resnet_fpn_backbone,
/// DefaultAnchorGenerator, StandardRPNHead, StandardROIHeads, FastRCNNConvFCHead, MaskRCNNConvUpsampleHead,
/// RetinaNetHead). Everything Detserve does not build is refused up front, naming the config key and value.
/// </summary>
public static class ArchitectureMapper
{
    private static readonly FrozenDictionary<int, int[]> BlocksPerDepth = new Dictionary<int, int[]>
    {
        // build_resnet_backbone's num_blocks_per_stage.
        [18] = [2, 2, 2, 2],
        [34] = [3, 4, 6, 3],
        [50] = [3, 4, 6, 3],
        [101] = [3, 4, 23, 3],
        [152] = [3, 8, 36, 3],
    }.ToFrozenDictionary();

    private static readonly string[] StageNames = ["res2", "res3", "res4", "res5"];

    /// <summary>Maps <paramref name="cfg"/> to an architecture.</summary>
    /// <exception cref="UnsupportedModelException">a key asks for something Detserve does not build.</exception>
    /// <exception cref="ConfigException">a key is missing or has the wrong type.</exception>
    public static ArchitectureSpec FromConfig(CfgNode cfg)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        string meta = cfg.GetString("MODEL.META_ARCHITECTURE");
        MetaArchitecture metaArchitecture = meta switch
        {
            "GeneralizedRCNN" => MetaArchitecture.GeneralizedRCNN,
            "RetinaNet" => MetaArchitecture.RetinaNet,
            _ => throw UnsupportedModelException.For("MODEL.META_ARCHITECTURE", meta, "Detserve builds GeneralizedRCNN (Faster/Mask R-CNN) and RetinaNet"),
        };
        if (cfg.GetBool("MODEL.KEYPOINT_ON")) throw UnsupportedModelException.For("MODEL.KEYPOINT_ON", true, "keypoint heads are not built");
        if (cfg.GetBool("MODEL.LOAD_PROPOSALS")) throw UnsupportedModelException.For("MODEL.LOAD_PROPOSALS", true, "precomputed proposals are not supported");

        InputSpec input = MapInput(cfg);
        ResNetSpec resnet = MapResNet(cfg);
        FpnSpec fpn = MapFpn(cfg, resnet);
        IReadOnlyDictionary<string, int> strides = FpnOutputStrides(fpn);

        if (metaArchitecture == MetaArchitecture.GeneralizedRCNN)
        {
            string proposal = cfg.GetString("MODEL.PROPOSAL_GENERATOR.NAME");
            if (proposal != "RPN") throw UnsupportedModelException.For("MODEL.PROPOSAL_GENERATOR.NAME", proposal, "only RPN is built");
            RpnSpec rpn = MapRpn(cfg, strides);
            AnchorSpec anchors = MapAnchors(cfg, rpn.InFeatures, strides);
            CheckUniformAnchors(anchors, "MODEL.RPN.IN_FEATURES");
            RoiHeadsSpec roiHeads = MapRoiHeads(cfg, strides);
            return new ArchitectureSpec(metaArchitecture, input, resnet, fpn, anchors, rpn, roiHeads, null) { SizeDivisibility = SizeDivisibility(fpn) };
        }

        RetinaNetSpec retina = MapRetinaNet(cfg, strides);
        AnchorSpec retinaAnchors = MapAnchors(cfg, retina.InFeatures, strides);
        CheckUniformAnchors(retinaAnchors, "MODEL.RETINANET.IN_FEATURES");
        return new ArchitectureSpec(metaArchitecture, input, resnet, fpn, retinaAnchors, null, null, retina) { SizeDivisibility = SizeDivisibility(fpn) };
    }

    /// <summary>Stride of each ResNet stage ("res2" = 4 ... "res5" = 32).</summary>
    internal static int StageStride(string stage) => 1 << (StageIndex(stage) + 2);

    /// <summary>0 for res2 ... 3 for res5, -1 otherwise.</summary>
    internal static int StageIndex(string stage) => Array.IndexOf(StageNames, stage);

    /// <summary>Output channels of a ResNet stage (RES2_OUT_CHANNELS doubling per stage).</summary>
    internal static int StageOutChannels(ResNetSpec resnet, int stageIndex) => resnet.Res2OutChannels << stageIndex;

    /// <summary>FPN output names ("p2".."p6") to strides, in order.</summary>
    internal static IReadOnlyDictionary<string, int> FpnOutputStrides(FpnSpec fpn)
    {
        var result = new OrderedDictionary<string, int>(StringComparer.Ordinal);
        int lastStride = 0;
        foreach (string feature in fpn.InFeatures)
        {
            lastStride = StageStride(feature);
            result.Add("p" + Log2(lastStride), lastStride);
        }
        int extra = fpn.TopBlock switch
        {
            FpnTopBlock.LastLevelMaxPool => 1,
            FpnTopBlock.LastLevelP6P7 => 2,
            _ => 0,
        };
        for (int i = 0; i < extra; i++)
        {
            lastStride *= 2;
            result.Add("p" + Log2(lastStride), lastStride);
        }
        return result;
    }

    private static int SizeDivisibility(FpnSpec fpn) => StageStride(fpn.InFeatures[^1]);

    private static int Log2(int value) => System.Numerics.BitOperations.Log2((uint)value);

    private static InputSpec MapInput(CfgNode cfg)
    {
        string format = cfg.GetString("INPUT.FORMAT");
        if (format is not ("BGR" or "RGB")) throw UnsupportedModelException.For("INPUT.FORMAT", format, "only BGR and RGB inputs are read");
        IReadOnlyList<double> mean = cfg.GetDoubleList("MODEL.PIXEL_MEAN");
        IReadOnlyList<double> std = cfg.GetDoubleList("MODEL.PIXEL_STD");
        if (mean.Count != 3) throw UnsupportedModelException.For("MODEL.PIXEL_MEAN", mean, "needs one value per channel of a 3-channel image");
        if (std.Count != 3) throw UnsupportedModelException.For("MODEL.PIXEL_STD", std, "needs one value per channel of a 3-channel image");
        int minSize = cfg.GetInt("INPUT.MIN_SIZE_TEST");
        int maxSize = cfg.GetInt("INPUT.MAX_SIZE_TEST");
        return new InputSpec(format, minSize, maxSize, mean, std);
    }

    private static ResNetSpec MapResNet(CfgNode cfg)
    {
        int depth = cfg.GetInt("MODEL.RESNETS.DEPTH");
        if (!BlocksPerDepth.TryGetValue(depth, out int[]? blocks))
            throw UnsupportedModelException.For("MODEL.RESNETS.DEPTH", depth, "ResNet depth must be 18, 34, 50, 101 or 152");
        string norm = cfg.GetString("MODEL.RESNETS.NORM");
        // In eval mode BN/SyncBN compute what FrozenBN computes (running statistics, eps 1e-5): same parameters, same math.
        // "" is a backbone without normalization (bias-free convs, get_norm returns None).
        if (norm is not ("FrozenBN" or "BN" or "SyncBN" or "naiveSyncBN" or "nnSyncBN" or ""))
            throw UnsupportedModelException.For("MODEL.RESNETS.NORM", norm, "the backbone is built with FrozenBN, BN/SyncBN (equal in eval mode) or no norm; GN is not");
        IReadOnlyList<bool> deform = ReadBoolList(cfg, "MODEL.RESNETS.DEFORM_ON_PER_STAGE");
        if (deform.Any(d => d)) throw UnsupportedModelException.For("MODEL.RESNETS.DEFORM_ON_PER_STAGE", deform, "deformable convolutions are not built");
        int res5Dilation = cfg.GetInt("MODEL.RESNETS.RES5_DILATION");
        if (res5Dilation != 1) throw UnsupportedModelException.For("MODEL.RESNETS.RES5_DILATION", res5Dilation, "dilated res5 (DC5) backbones are not built");
        int groups = cfg.GetInt("MODEL.RESNETS.NUM_GROUPS");
        int widthPerGroup = cfg.GetInt("MODEL.RESNETS.WIDTH_PER_GROUP");
        int res2Out = cfg.GetInt("MODEL.RESNETS.RES2_OUT_CHANNELS");
        int stemOut = cfg.GetInt("MODEL.RESNETS.STEM_OUT_CHANNELS");
        if (groups < 1) throw UnsupportedModelException.For("MODEL.RESNETS.NUM_GROUPS", groups, "must be at least 1");
        if (widthPerGroup < 1 || res2Out < 1 || stemOut < 1)
            throw UnsupportedModelException.For("MODEL.RESNETS.WIDTH_PER_GROUP", widthPerGroup, "channel counts must be positive");
        if (depth is 18 or 34)
        {
            // build_resnet_backbone's asserts for BasicBlock ResNets.
            if (res2Out != 64) throw UnsupportedModelException.For("MODEL.RESNETS.RES2_OUT_CHANNELS", res2Out, "must be 64 for R18/R34");
            if (groups != 1) throw UnsupportedModelException.For("MODEL.RESNETS.NUM_GROUPS", groups, "must be 1 for R18/R34");
        }
        IReadOnlyList<string> outFeatures = cfg.GetStringList("MODEL.RESNETS.OUT_FEATURES");
        foreach (string feature in outFeatures)
            if (StageIndex(feature) < 0) throw UnsupportedModelException.For("MODEL.RESNETS.OUT_FEATURES", outFeatures, $"'{feature}' is not one of res2..res5");
        // ResNet.__init__ keeps only the stages up to the deepest requested output.
        int stages = outFeatures.Count == 0 ? 0 : outFeatures.Max(StageIndex) + 1;
        return new ResNetSpec(depth, norm, stemOut, res2Out, groups, widthPerGroup, cfg.GetBool("MODEL.RESNETS.STRIDE_IN_1X1"),
            res5Dilation, outFeatures, blocks.Take(stages).ToArray());
    }

    private static FpnSpec MapFpn(CfgNode cfg, ResNetSpec resnet)
    {
        string backbone = cfg.GetString("MODEL.BACKBONE.NAME");
        FpnTopBlock topBlock = backbone switch
        {
            "build_resnet_fpn_backbone" => FpnTopBlock.LastLevelMaxPool,
            "build_retinanet_resnet_fpn_backbone" => FpnTopBlock.LastLevelP6P7,
            _ => throw UnsupportedModelException.For("MODEL.BACKBONE.NAME", backbone,
                "Detserve builds ResNet+FPN backbones (build_resnet_fpn_backbone, build_retinanet_resnet_fpn_backbone); C4/DC5 and other backbones are not built"),
        };
        IReadOnlyList<string> inFeatures = cfg.GetStringList("MODEL.FPN.IN_FEATURES");
        if (inFeatures.Count == 0) throw UnsupportedModelException.For("MODEL.FPN.IN_FEATURES", inFeatures, "FPN needs at least one input");
        for (int i = 0; i < inFeatures.Count; i++)
        {
            int stage = StageIndex(inFeatures[i]);
            if (stage < 0 || !resnet.OutFeatures.Contains(inFeatures[i]))
                throw UnsupportedModelException.For("MODEL.FPN.IN_FEATURES", inFeatures, $"'{inFeatures[i]}' is not among MODEL.RESNETS.OUT_FEATURES");
            // FPN's _assert_strides_are_log2_contiguous.
            if (i > 0 && stage != StageIndex(inFeatures[i - 1]) + 1)
                throw UnsupportedModelException.For("MODEL.FPN.IN_FEATURES", inFeatures, "strides must double from one input to the next");
        }
        string norm = cfg.GetString("MODEL.FPN.NORM");
        if (norm.Length != 0) throw UnsupportedModelException.For("MODEL.FPN.NORM", norm, "normalization inside the FPN is not built");
        string fuse = cfg.GetString("MODEL.FPN.FUSE_TYPE");
        if (fuse is not ("sum" or "avg")) throw UnsupportedModelException.For("MODEL.FPN.FUSE_TYPE", fuse, "must be 'sum' or 'avg'");
        int outChannels = cfg.GetInt("MODEL.FPN.OUT_CHANNELS");
        if (topBlock == FpnTopBlock.LastLevelMaxPool)
        {
            // LastLevelMaxPool reads "p5" (fpn.py); it must be an FPN output.
            if (!inFeatures.Contains("res5"))
                throw UnsupportedModelException.For("MODEL.FPN.IN_FEATURES", inFeatures, "LastLevelMaxPool reads p5, so res5 must be an FPN input");
            return new FpnSpec(inFeatures, outChannels, norm, fuse, topBlock, "p5", outChannels);
        }
        // build_retinanet_resnet_fpn_backbone: LastLevelP6P7(res5 channels, out_channels), in_feature "res5".
        if (resnet.BlocksPerStage.Count < 4)
            throw UnsupportedModelException.For("MODEL.RESNETS.OUT_FEATURES", resnet.OutFeatures, "LastLevelP6P7 reads res5, so res5 must be built");
        return new FpnSpec(inFeatures, outChannels, norm, fuse, topBlock, "res5", StageOutChannels(resnet, 3));
    }

    private static RpnSpec MapRpn(CfgNode cfg, IReadOnlyDictionary<string, int> strides)
    {
        string head = cfg.GetString("MODEL.RPN.HEAD_NAME");
        if (head != "StandardRPNHead") throw UnsupportedModelException.For("MODEL.RPN.HEAD_NAME", head, "only StandardRPNHead is built");
        IReadOnlyList<string> inFeatures = CheckFeatures(cfg, "MODEL.RPN.IN_FEATURES", strides);
        IReadOnlyList<int> convDims = cfg.GetIntList("MODEL.RPN.CONV_DIMS");
        if (convDims.Count == 0 || convDims.Any(d => d is 0 or < -1))
            throw UnsupportedModelException.For("MODEL.RPN.CONV_DIMS", convDims, "each entry must be -1 (input channels) or positive");
        IReadOnlyList<double> weights = cfg.GetDoubleList("MODEL.RPN.BBOX_REG_WEIGHTS");
        if (weights.Count != 4) throw UnsupportedModelException.For("MODEL.RPN.BBOX_REG_WEIGHTS", weights, "axis-aligned boxes need 4 weights");
        return new RpnSpec(inFeatures, convDims, cfg.GetInt("MODEL.RPN.PRE_NMS_TOPK_TEST"), cfg.GetInt("MODEL.RPN.POST_NMS_TOPK_TEST"),
            cfg.GetDouble("MODEL.RPN.NMS_THRESH"), cfg.GetDouble("MODEL.PROPOSAL_GENERATOR.MIN_SIZE"), weights);
    }

    private static AnchorSpec MapAnchors(CfgNode cfg, IReadOnlyList<string> features, IReadOnlyDictionary<string, int> strides)
    {
        string name = cfg.GetString("MODEL.ANCHOR_GENERATOR.NAME");
        if (name != "DefaultAnchorGenerator") throw UnsupportedModelException.For("MODEL.ANCHOR_GENERATOR.NAME", name, "only DefaultAnchorGenerator is built");
        IReadOnlyList<IReadOnlyList<double>> sizes = Broadcast(cfg, "MODEL.ANCHOR_GENERATOR.SIZES", features.Count);
        IReadOnlyList<IReadOnlyList<double>> ratios = Broadcast(cfg, "MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS", features.Count);
        return new AnchorSpec(sizes, ratios, cfg.GetDouble("MODEL.ANCHOR_GENERATOR.OFFSET"), features.Select(f => strides[f]).ToArray());
    }

    /// <summary>anchor_generator.py _broadcast_params: one entry serves every level, else one per level.</summary>
    private static IReadOnlyList<IReadOnlyList<double>> Broadcast(CfgNode cfg, string key, int levels)
    {
        object? raw = cfg.GetValue(key);
        IReadOnlyList<IReadOnlyList<double>> lists = raw is CfgList list && list.Count > 0 && list[0] is not CfgList
            ? [cfg.GetDoubleList(key)]
            : cfg.GetDoubleListList(key);
        if (lists.Count == 1) return Enumerable.Repeat(lists[0], levels).ToArray();
        if (lists.Count != levels)
            throw UnsupportedModelException.For(key, raw, $"has {lists.Count} entries but there are {levels} feature levels");
        return lists;
    }

    private static void CheckUniformAnchors(AnchorSpec anchors, string featuresKey)
    {
        // StandardRPNHead and RetinaNetHead share one conv over all levels, so every level needs the same anchor count.
        int first = anchors.AnchorsPerCell(0);
        for (int level = 1; level < anchors.Sizes.Count; level++)
            if (anchors.AnchorsPerCell(level) != first)
                throw UnsupportedModelException.For("MODEL.ANCHOR_GENERATOR.SIZES", anchors.Sizes.Select(s => s.ToArray()).ToArray(),
                    $"every level of {featuresKey} must have the same number of anchors per cell");
    }

    private static RoiHeadsSpec MapRoiHeads(CfgNode cfg, IReadOnlyDictionary<string, int> strides)
    {
        string name = cfg.GetString("MODEL.ROI_HEADS.NAME");
        if (name != "StandardROIHeads")
            throw UnsupportedModelException.For("MODEL.ROI_HEADS.NAME", name, "only StandardROIHeads is built (Res5ROIHeads/C4, CascadeROIHeads and others are not)");
        IReadOnlyList<string> inFeatures = CheckFeatures(cfg, "MODEL.ROI_HEADS.IN_FEATURES", strides);
        int numClasses = cfg.GetInt("MODEL.ROI_HEADS.NUM_CLASSES");
        if (numClasses < 1) throw UnsupportedModelException.For("MODEL.ROI_HEADS.NUM_CLASSES", numClasses, "must be at least 1");

        string boxHeadName = cfg.GetString("MODEL.ROI_BOX_HEAD.NAME");
        if (boxHeadName != "FastRCNNConvFCHead") throw UnsupportedModelException.For("MODEL.ROI_BOX_HEAD.NAME", boxHeadName, "only FastRCNNConvFCHead is built");
        string boxNorm = cfg.GetString("MODEL.ROI_BOX_HEAD.NORM");
        if (boxNorm.Length != 0) throw UnsupportedModelException.For("MODEL.ROI_BOX_HEAD.NORM", boxNorm, "normalization inside the box head is not built");
        if (cfg.Contains("MODEL.ROI_BOX_HEAD.USE_SIGMOID_CE") && cfg.GetBool("MODEL.ROI_BOX_HEAD.USE_SIGMOID_CE"))
            throw UnsupportedModelException.For("MODEL.ROI_BOX_HEAD.USE_SIGMOID_CE", true, "sigmoid box classification is not built (softmax is)");
        string boxPooler = CheckPooler(cfg, "MODEL.ROI_BOX_HEAD.POOLER_TYPE");
        IReadOnlyList<double> boxWeights = cfg.GetDoubleList("MODEL.ROI_BOX_HEAD.BBOX_REG_WEIGHTS");
        if (boxWeights.Count != 4) throw UnsupportedModelException.For("MODEL.ROI_BOX_HEAD.BBOX_REG_WEIGHTS", boxWeights, "axis-aligned boxes need 4 weights");
        int numConv = cfg.GetInt("MODEL.ROI_BOX_HEAD.NUM_CONV");
        int numFc = cfg.GetInt("MODEL.ROI_BOX_HEAD.NUM_FC");
        if (numConv + numFc == 0) throw UnsupportedModelException.For("MODEL.ROI_BOX_HEAD.NUM_FC", numFc, "the box head needs at least one conv or fc layer");
        var box = new BoxHeadSpec(numConv, cfg.GetInt("MODEL.ROI_BOX_HEAD.CONV_DIM"), numFc, cfg.GetInt("MODEL.ROI_BOX_HEAD.FC_DIM"), boxNorm,
            cfg.GetInt("MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION"), cfg.GetInt("MODEL.ROI_BOX_HEAD.POOLER_SAMPLING_RATIO"), boxPooler,
            boxWeights, cfg.GetBool("MODEL.ROI_BOX_HEAD.CLS_AGNOSTIC_BBOX_REG"));

        MaskHeadSpec? mask = null;
        if (cfg.GetBool("MODEL.MASK_ON"))
        {
            string maskHeadName = cfg.GetString("MODEL.ROI_MASK_HEAD.NAME");
            if (maskHeadName != "MaskRCNNConvUpsampleHead") throw UnsupportedModelException.For("MODEL.ROI_MASK_HEAD.NAME", maskHeadName, "only MaskRCNNConvUpsampleHead is built");
            string maskNorm = cfg.GetString("MODEL.ROI_MASK_HEAD.NORM");
            if (maskNorm.Length != 0) throw UnsupportedModelException.For("MODEL.ROI_MASK_HEAD.NORM", maskNorm, "normalization inside the mask head is not built");
            mask = new MaskHeadSpec(cfg.GetInt("MODEL.ROI_MASK_HEAD.NUM_CONV"), cfg.GetInt("MODEL.ROI_MASK_HEAD.CONV_DIM"), maskNorm,
                cfg.GetInt("MODEL.ROI_MASK_HEAD.POOLER_RESOLUTION"), cfg.GetInt("MODEL.ROI_MASK_HEAD.POOLER_SAMPLING_RATIO"),
                CheckPooler(cfg, "MODEL.ROI_MASK_HEAD.POOLER_TYPE"), cfg.GetBool("MODEL.ROI_MASK_HEAD.CLS_AGNOSTIC_MASK"));
        }
        return new RoiHeadsSpec(numClasses, inFeatures, inFeatures.Select(f => strides[f]).ToArray(), cfg.GetDouble("MODEL.ROI_HEADS.SCORE_THRESH_TEST"),
            cfg.GetDouble("MODEL.ROI_HEADS.NMS_THRESH_TEST"), cfg.GetInt("TEST.DETECTIONS_PER_IMAGE"), box, mask);
    }

    private static string CheckPooler(CfgNode cfg, string key)
    {
        string type = cfg.GetString(key);
        // ROIAlignV2 is roi_align(aligned=True), ROIAlign the legacy aligned=False (Detectron1 models); ROIPool is not built.
        if (type is not ("ROIAlignV2" or "ROIAlign")) throw UnsupportedModelException.For(key, type, "only ROIAlignV2 and ROIAlign pooling are built");
        return type;
    }

    private static RetinaNetSpec MapRetinaNet(CfgNode cfg, IReadOnlyDictionary<string, int> strides)
    {
        IReadOnlyList<string> inFeatures = CheckFeatures(cfg, "MODEL.RETINANET.IN_FEATURES", strides);
        string norm = cfg.Contains("MODEL.RETINANET.NORM") ? cfg.GetString("MODEL.RETINANET.NORM") : "";
        if (norm.Length != 0) throw UnsupportedModelException.For("MODEL.RETINANET.NORM", norm, "normalization inside the RetinaNet head is not built");
        int numClasses = cfg.GetInt("MODEL.RETINANET.NUM_CLASSES");
        if (numClasses < 1) throw UnsupportedModelException.For("MODEL.RETINANET.NUM_CLASSES", numClasses, "must be at least 1");
        IReadOnlyList<double> weights = cfg.GetDoubleList("MODEL.RETINANET.BBOX_REG_WEIGHTS");
        if (weights.Count != 4) throw UnsupportedModelException.For("MODEL.RETINANET.BBOX_REG_WEIGHTS", weights, "axis-aligned boxes need 4 weights");
        return new RetinaNetSpec(numClasses, inFeatures, cfg.GetInt("MODEL.RETINANET.NUM_CONVS"), norm, cfg.GetDouble("MODEL.RETINANET.SCORE_THRESH_TEST"),
            cfg.GetInt("MODEL.RETINANET.TOPK_CANDIDATES_TEST"), cfg.GetDouble("MODEL.RETINANET.NMS_THRESH_TEST"), weights, cfg.GetInt("TEST.DETECTIONS_PER_IMAGE"));
    }

    private static IReadOnlyList<string> CheckFeatures(CfgNode cfg, string key, IReadOnlyDictionary<string, int> strides)
    {
        IReadOnlyList<string> features = cfg.GetStringList(key);
        if (features.Count == 0) throw UnsupportedModelException.For(key, features, "needs at least one feature");
        foreach (string feature in features)
            if (!strides.ContainsKey(feature))
                throw UnsupportedModelException.For(key, features, $"'{feature}' is not an FPN output ({string.Join(", ", strides.Keys)})");
        return features;
    }

    private static IReadOnlyList<bool> ReadBoolList(CfgNode cfg, string key)
    {
        if (cfg.GetValue(key) is not CfgList list) throw new ConfigException($"Config key {key} must be a list of bools");
        var result = new bool[list.Count];
        for (int i = 0; i < list.Count; i++) result[i] = list[i] as bool? ?? throw new ConfigException($"Config key {key} must be a list of bools");
        return result;
    }
}
