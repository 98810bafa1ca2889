using Detserve.Graph.Spec;
using Detserve.Import.Config;
using Detserve.Import.Weights;

namespace Detserve.Import.Model;

/// <summary>
/// What `detserve inspect` shows: the architecture a config resolves to, its parameter count, and the result of
/// checking a weight file against it. Plain data (records, lists, strings, numbers) so the CLI can print it as
/// text or serialize it as JSON as it is.
/// </summary>
/// <param name="ConfigPath">The config file.</param>
/// <param name="MetaArchitecture">MODEL.META_ARCHITECTURE ("GeneralizedRCNN" or "RetinaNet").</param>
/// <param name="Model">"Mask R-CNN", "Faster R-CNN" or "RetinaNet".</param>
/// <param name="NumClasses">Foreground classes.</param>
/// <param name="Input">Pre-processing.</param>
/// <param name="Backbone">The ResNet.</param>
/// <param name="Fpn">The FPN.</param>
/// <param name="Anchors">The anchors.</param>
/// <param name="Heads">The heads in model order.</param>
/// <param name="ParameterCount">Elements of every parameter and buffer of the model (ParameterTable).</param>
/// <param name="ParameterTensorCount">Number of tensors in the model's state dict.</param>
/// <param name="Weights">The weights check, or null when no weights were given.</param>
public sealed record ModelSummary(
    string ConfigPath,
    string MetaArchitecture,
    string Model,
    int NumClasses,
    InputSummary Input,
    BackboneSummary Backbone,
    FpnSummary Fpn,
    AnchorSummary Anchors,
    IReadOnlyList<HeadSummary> Heads,
    long ParameterCount,
    int ParameterTensorCount,
    WeightsCheckSummary? Weights)
{
    /// <summary>True when weights were given and do not fit (the CLI exits non-zero).</summary>
    public bool CheckFailed => Weights is { Ok: false };

    /// <summary>
    /// Resolves the config (with <paramref name="opts"/> overrides), maps the architecture and, when
    /// <paramref name="weightsPath"/> (or a local MODEL.WEIGHTS; a URL there is ignored) is given, checks the weights
    /// without throwing on a mismatch.
    /// </summary>
    /// <exception cref="ConfigException">the config cannot be resolved.</exception>
    /// <exception cref="UnsupportedModelException">the model is not one Detserve builds.</exception>
    /// <exception cref="WeightFileException">the weight file cannot be read.</exception>
    public static ModelSummary Inspect(string configPath, string? weightsPath, IReadOnlyList<string>? opts = null, PickleLimits? limits = null)
    {
        CfgNode cfg = ConfigLoader.LoadFile(configPath, opts);
        ArchitectureSpec arch = ArchitectureMapper.FromConfig(cfg);
        string? path = ModelLoader.ResolveWeightsPath(cfg, weightsPath, configPath, urlIsError: false);
        WeightFile? file = path is null ? null : WeightReader.Load(path, limits);
        return Create(cfg, arch, file, configPath);
    }

    /// <summary>Summarizes an architecture and, when <paramref name="weights"/> is given, checks them against it.</summary>
    public static ModelSummary Create(CfgNode cfg, ArchitectureSpec arch, WeightFile? weights, string configPath)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        ArgumentNullException.ThrowIfNull(arch);
        WeightsCheckSummary? check = null;
        if (weights is not null)
        {
            WeightCheck result = WeightBinder.Check(arch, weights, cfg);
            string status = (result.Missing.Count > 0, result.Mismatched.Count > 0) switch
            {
                (false, false) => "ok",
                (true, false) => "missing",
                (false, true) => "mismatched",
                _ => "missing+mismatched",
            };
            check = new WeightsCheckSummary(weights.Path, weights.Format, weights.Author, weights.MatchingHeuristics, weights.Tensors.Count,
                weights.Tensors.Values.Sum(t => t.ElementCount), status, result.Missing, result.Mismatched, result.Unexpected, result.Notes);
        }
        return Build(cfg, arch, configPath, check);
    }

    /// <summary>Summarizes a loaded <see cref="ModelSpec"/> (whose weights are bound, so the check is "ok" or absent).</summary>
    public static ModelSummary Create(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        WeightsCheckSummary? check = spec.WeightsPath is null ? null : new WeightsCheckSummary(
            spec.WeightsPath, spec.WeightsPath.EndsWith(".pkl", StringComparison.OrdinalIgnoreCase) ? "pkl" : "pth", null, false,
            spec.Weights.Count, spec.Weights.Values.Sum(t => t.ElementCount), "ok", [], [],
            [], spec.Warnings);
        return Build(spec.Config, spec.Architecture, spec.ConfigPath, check);
    }

    private static ModelSummary Build(CfgNode cfg, ArchitectureSpec arch, string configPath, WeightsCheckSummary? check)
    {
        IReadOnlyList<ExpectedParameter> table = ParameterTable.Expected(arch);
        bool rcnn = arch.MetaArchitecture == Graph.Spec.MetaArchitecture.GeneralizedRCNN;
        string model = rcnn ? (arch.MaskOn ? "Mask R-CNN" : "Faster R-CNN") : "RetinaNet";
        int numClasses = arch.NumClasses;
        var input = new InputSummary(arch.Input.Format, arch.Input.MinSizeTest, arch.Input.MaxSizeTest, arch.Input.PixelMean, arch.Input.PixelStd, arch.SizeDivisibility);
        IReadOnlyList<string> anchorFeatures = rcnn ? arch.Rpn!.InFeatures : arch.RetinaNet!.InFeatures;
        var anchors = new AnchorSummary(anchorFeatures, arch.Anchors.Strides, arch.Anchors.Sizes, arch.Anchors.AspectRatios, arch.Anchors.Offset, arch.Anchors.AnchorsPerCell(0));
        var heads = rcnn ? RcnnHeads(cfg, arch, table) : [RetinaHead(cfg, arch, table)];
        return new ModelSummary(configPath, arch.MetaArchitecture.ToString(), model, numClasses, input, SummarizeBackbone(arch.Backbone),
            SummarizeFpn(arch), anchors, heads, ParameterTable.ElementCount(table), table.Count, check);
    }

    private static BackboneSummary SummarizeBackbone(ResNetSpec r)
    {
        string name = r.NumGroups > 1
            ? $"ResNeXt-{r.Depth} {r.NumGroups}x{r.WidthPerGroup}d"
            : $"ResNet-{r.Depth}";
        var stages = new List<StageSummary>();
        for (int s = 0; s < r.BlocksPerStage.Count; s++)
        {
            int outChannels = ArchitectureMapper.StageOutChannels(r, s);
            int bottleneck = r.UsesBasicBlock ? outChannels : (r.NumGroups * r.WidthPerGroup) << s;
            stages.Add(new StageSummary($"res{s + 2}", r.BlocksPerStage[s], bottleneck, outChannels, 4 << s));
        }
        return new BackboneSummary(name, r.Depth, r.UsesBasicBlock ? "BasicBlock" : "BottleneckBlock", r.Norm, r.StrideInOneByOne,
            r.NumGroups, r.WidthPerGroup, r.StemOutChannels, stages, r.OutFeatures);
    }

    private static FpnSummary SummarizeFpn(ArchitectureSpec arch)
    {
        FpnSpec fpn = arch.Fpn;
        var levels = new List<FpnLevelSummary>();
        int i = 0;
        foreach (var (name, stride) in ArchitectureMapper.FpnOutputStrides(fpn))
        {
            string source;
            if (i < fpn.InFeatures.Count)
                source = i == fpn.InFeatures.Count - 1 ? $"lateral({fpn.InFeatures[i]})" : $"lateral({fpn.InFeatures[i]}) + top-down";
            else if (fpn.TopBlock == FpnTopBlock.LastLevelMaxPool)
                source = $"max_pool2d({fpn.TopBlockInFeature}, kernel 1, stride 2)";
            else
                source = i == fpn.InFeatures.Count ? $"conv3x3/2({fpn.TopBlockInFeature})" : $"conv3x3/2(relu(p{Log2(stride) - 1}))";
            levels.Add(new FpnLevelSummary(name, stride, fpn.OutChannels, source));
            i++;
        }
        return new FpnSummary(fpn.InFeatures, fpn.OutChannels, fpn.FuseType, fpn.TopBlock.ToString(), levels);
    }

    private static int Log2(int v) => System.Numerics.BitOperations.Log2((uint)v);

    private static List<HeadSummary> RcnnHeads(CfgNode cfg, ArchitectureSpec arch, IReadOnlyList<ExpectedParameter> table)
    {
        RpnSpec rpn = arch.Rpn!;
        RoiHeadsSpec roi = arch.RoiHeads!;
        int c = arch.Fpn.OutChannels;
        int a = arch.Anchors.AnchorsPerCell(0);
        var rpnLayers = new List<string>();
        int channels = c;
        for (int k = 0; k < rpn.ConvDims.Count; k++)
        {
            int outChannels = rpn.ConvDims[k] == -1 ? channels : rpn.ConvDims[k];
            rpnLayers.Add($"{(rpn.ConvDims.Count == 1 ? "conv" : $"conv.conv{k}")}: Conv2d 3x3 {channels} -> {outChannels} + ReLU");
            channels = outChannels;
        }
        rpnLayers.Add($"objectness_logits: Conv2d 1x1 {channels} -> {a}");
        rpnLayers.Add($"anchor_deltas: Conv2d 1x1 {channels} -> {4 * a}");
        var heads = new List<HeadSummary>
        {
            new("proposal_generator.rpn_head", "StandardRPNHead", rpn.InFeatures, rpnLayers, Count(table, "proposal_generator."),
                Settings(cfg, "MODEL.RPN.PRE_NMS_TOPK_TEST", "MODEL.RPN.POST_NMS_TOPK_TEST", "MODEL.RPN.NMS_THRESH", "MODEL.PROPOSAL_GENERATOR.MIN_SIZE", "MODEL.RPN.BBOX_REG_WEIGHTS")),
        };

        BoxHeadSpec box = roi.BoxHead;
        var boxLayers = new List<string> { $"pooler: {box.PoolerType} {box.PoolerResolution}x{box.PoolerResolution}, sampling_ratio {box.PoolerSamplingRatio}, scales 1/{string.Join(", 1/", roi.InFeatureStrides)}" };
        channels = c;
        for (int k = 0; k < box.NumConv; k++)
        {
            boxLayers.Add($"conv{k + 1}: Conv2d 3x3 {channels} -> {box.ConvDim} + ReLU");
            channels = box.ConvDim;
        }
        int features = channels * box.PoolerResolution * box.PoolerResolution;
        for (int k = 0; k < box.NumFc; k++)
        {
            boxLayers.Add($"fc{k + 1}: Linear {features} -> {box.FcDim} + ReLU");
            features = box.FcDim;
        }
        int regClasses = box.ClsAgnosticBboxReg ? 1 : roi.NumClasses;
        boxLayers.Add($"box_predictor.cls_score: Linear {features} -> {roi.NumClasses + 1} (background last)");
        boxLayers.Add($"box_predictor.bbox_pred: Linear {features} -> {4 * regClasses}");
        heads.Add(new HeadSummary("roi_heads.box_head", "FastRCNNConvFCHead + FastRCNNOutputLayers", roi.InFeatures, boxLayers,
            Count(table, "roi_heads.box_head.") + Count(table, "roi_heads.box_predictor."),
            Settings(cfg, "MODEL.ROI_HEADS.SCORE_THRESH_TEST", "MODEL.ROI_HEADS.NMS_THRESH_TEST", "TEST.DETECTIONS_PER_IMAGE", "MODEL.ROI_BOX_HEAD.BBOX_REG_WEIGHTS", "MODEL.ROI_BOX_HEAD.CLS_AGNOSTIC_BBOX_REG")));

        if (roi.MaskHead is { } mask)
        {
            var maskLayers = new List<string> { $"pooler: {mask.PoolerType} {mask.PoolerResolution}x{mask.PoolerResolution}, sampling_ratio {mask.PoolerSamplingRatio}" };
            channels = c;
            for (int k = 0; k < mask.NumConv; k++)
            {
                maskLayers.Add($"mask_fcn{k + 1}: Conv2d 3x3 {channels} -> {mask.ConvDim} + ReLU");
                channels = mask.ConvDim;
            }
            maskLayers.Add($"deconv: ConvTranspose2d 2x2/2 {channels} -> {mask.ConvDim} + ReLU");
            int maskClasses = mask.ClsAgnosticMask ? 1 : roi.NumClasses;
            maskLayers.Add($"predictor: Conv2d 1x1 {mask.ConvDim} -> {maskClasses} ({2 * mask.PoolerResolution}x{2 * mask.PoolerResolution} masks)");
            heads.Add(new HeadSummary("roi_heads.mask_head", "MaskRCNNConvUpsampleHead", roi.InFeatures, maskLayers, Count(table, "roi_heads.mask_head."),
                Settings(cfg, "MODEL.ROI_MASK_HEAD.CLS_AGNOSTIC_MASK")));
        }
        return heads;
    }

    private static HeadSummary RetinaHead(CfgNode cfg, ArchitectureSpec arch, IReadOnlyList<ExpectedParameter> table)
    {
        RetinaNetSpec r = arch.RetinaNet!;
        int c = arch.Fpn.OutChannels;
        int a = arch.Anchors.AnchorsPerCell(0);
        var layers = new List<string>
        {
            $"cls_subnet: {r.NumConvs} x (Conv2d 3x3 {c} -> {c} + ReLU)",
            $"bbox_subnet: {r.NumConvs} x (Conv2d 3x3 {c} -> {c} + ReLU)",
            $"cls_score: Conv2d 3x3 {c} -> {a * r.NumClasses} ({a} anchors x {r.NumClasses} classes, sigmoid)",
            $"bbox_pred: Conv2d 3x3 {c} -> {4 * a}",
        };
        return new HeadSummary("head", "RetinaNetHead", r.InFeatures, layers, Count(table, "head."),
            Settings(cfg, "MODEL.RETINANET.SCORE_THRESH_TEST", "MODEL.RETINANET.TOPK_CANDIDATES_TEST", "MODEL.RETINANET.NMS_THRESH_TEST",
                "TEST.DETECTIONS_PER_IMAGE", "MODEL.RETINANET.BBOX_REG_WEIGHTS"));
    }

    private static long Count(IReadOnlyList<ExpectedParameter> table, string prefix) =>
        table.Where(p => p.Name.StartsWith(prefix, StringComparison.Ordinal)).Sum(p => p.ElementCount);

    private static Dictionary<string, string> Settings(CfgNode cfg, params string[] keys)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string key in keys)
            if (cfg.TryGetValue(key, out object? value) && value is not CfgNode)
                settings[key] = CfgValue.ToPythonRepr(value);
        return settings;
    }
}
