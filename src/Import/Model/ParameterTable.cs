using Detserve.Graph.Spec;

namespace Detserve.Import.Model;

/// <summary>
/// The state dict Detectron2 builds for an architecture: every parameter and persistent buffer with its shape, in
/// module registration order (the order model.state_dict() lists them, which is also the order of the zoo files).
/// Non-persistent buffers (pixel_mean/std, anchors) and BN's num_batches_tracked are not listed (Detectron2 ignores them when loading).
/// </summary>
public static class ParameterTable
{
    /// <summary>The expected tensors of <paramref name="arch"/>.</summary>
    public static IReadOnlyList<ExpectedParameter> Expected(ArchitectureSpec arch)
    {
        ArgumentNullException.ThrowIfNull(arch);
        var table = new List<ExpectedParameter>();
        AddBackbone(table, arch);
        if (arch.MetaArchitecture == MetaArchitecture.GeneralizedRCNN)
        {
            AddRpn(table, arch);
            AddRoiHeads(table, arch);
        }
        else
        {
            AddRetinaNetHead(table, arch);
        }
        return table;
    }

    /// <summary>Total elements of the table (the model's parameter and buffer count).</summary>
    public static long ElementCount(IReadOnlyList<ExpectedParameter> table) => table.Sum(p => p.ElementCount);

    private static void AddBackbone(List<ExpectedParameter> table, ArchitectureSpec arch)
    {
        FpnSpec fpn = arch.Fpn;
        ResNetSpec resnet = arch.Backbone;
        // FPN.__init__ registers fpn_lateral{s}/fpn_output{s} per input (stage s = log2(stride)), then top_block, then bottom_up.
        foreach (string feature in fpn.InFeatures)
        {
            int stage = ArchitectureMapper.StageIndex(feature) + 2;
            int inChannels = ArchitectureMapper.StageOutChannels(resnet, stage - 2);
            ConvWithBias(table, $"backbone.fpn_lateral{stage}", fpn.OutChannels, inChannels, 1, "MODEL.FPN.OUT_CHANNELS");
            ConvWithBias(table, $"backbone.fpn_output{stage}", fpn.OutChannels, fpn.OutChannels, 3, "MODEL.FPN.OUT_CHANNELS");
        }
        if (fpn.TopBlock == FpnTopBlock.LastLevelP6P7)
        {
            ConvWithBias(table, "backbone.top_block.p6", fpn.OutChannels, fpn.TopBlockInChannels, 3, "MODEL.FPN.OUT_CHANNELS");
            ConvWithBias(table, "backbone.top_block.p7", fpn.OutChannels, fpn.OutChannels, 3, "MODEL.FPN.OUT_CHANNELS");
        }

        const string prefix = "backbone.bottom_up";
        // BasicStem: conv1 7x7 (no bias) + norm.
        bool norm = resnet.Norm.Length != 0;
        ConvWithNorm(table, $"{prefix}.stem.conv1", resnet.StemOutChannels, arch.Input.PixelMean.Count, 7, 7, "MODEL.RESNETS.STEM_OUT_CHANNELS", norm);
        int inChannelsOfStage = resnet.StemOutChannels;
        int bottleneck = resnet.NumGroups * resnet.WidthPerGroup;
        for (int s = 0; s < resnet.BlocksPerStage.Count; s++)
        {
            int outChannels = ArchitectureMapper.StageOutChannels(resnet, s);
            int stageBottleneck = bottleneck << s;
            for (int b = 0; b < resnet.BlocksPerStage[s]; b++)
            {
                string block = $"{prefix}.res{s + 2}.{b}";
                int inChannels = b == 0 ? inChannelsOfStage : outChannels;
                // BottleneckBlock/BasicBlock register shortcut (only when in != out) before conv1..conv3.
                if (inChannels != outChannels)
                    ConvWithNorm(table, $"{block}.shortcut", outChannels, inChannels, 1, 1, "MODEL.RESNETS.RES2_OUT_CHANNELS", norm);
                if (resnet.UsesBasicBlock)
                {
                    ConvWithNorm(table, $"{block}.conv1", outChannels, inChannels, 3, 3, "MODEL.RESNETS.RES2_OUT_CHANNELS", norm);
                    ConvWithNorm(table, $"{block}.conv2", outChannels, outChannels, 3, 3, "MODEL.RESNETS.RES2_OUT_CHANNELS", norm);
                }
                else
                {
                    ConvWithNorm(table, $"{block}.conv1", stageBottleneck, inChannels, 1, 1, "MODEL.RESNETS.WIDTH_PER_GROUP", norm);
                    // Grouped 3x3: weight is [out, in / groups, 3, 3].
                    ConvWithNorm(table, $"{block}.conv2", stageBottleneck, stageBottleneck / resnet.NumGroups, 3, 3, "MODEL.RESNETS.WIDTH_PER_GROUP", norm);
                    ConvWithNorm(table, $"{block}.conv3", outChannels, stageBottleneck, 1, 1, "MODEL.RESNETS.RES2_OUT_CHANNELS", norm);
                }
            }
            inChannelsOfStage = outChannels;
        }
    }

    private static void AddRpn(List<ExpectedParameter> table, ArchitectureSpec arch)
    {
        RpnSpec rpn = arch.Rpn!;
        const string prefix = "proposal_generator.rpn_head";
        int channels = arch.Fpn.OutChannels;
        // StandardRPNHead: one conv named "conv", or a Sequential "conv.conv{k}" when CONV_DIMS has several entries.
        if (rpn.ConvDims.Count == 1)
        {
            int outChannels = rpn.ConvDims[0] == -1 ? channels : rpn.ConvDims[0];
            ConvWithBias(table, $"{prefix}.conv", outChannels, channels, 3, "MODEL.RPN.CONV_DIMS");
            channels = outChannels;
        }
        else
        {
            for (int k = 0; k < rpn.ConvDims.Count; k++)
            {
                int outChannels = rpn.ConvDims[k] == -1 ? channels : rpn.ConvDims[k];
                ConvWithBias(table, $"{prefix}.conv.conv{k}", outChannels, channels, 3, "MODEL.RPN.CONV_DIMS");
                channels = outChannels;
            }
        }
        int anchors = arch.Anchors.AnchorsPerCell(0);
        ConvWithBias(table, $"{prefix}.objectness_logits", anchors, channels, 1, "MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS");
        ConvWithBias(table, $"{prefix}.anchor_deltas", anchors * 4, channels, 1, "MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS");
    }

    private static void AddRoiHeads(List<ExpectedParameter> table, ArchitectureSpec arch)
    {
        RoiHeadsSpec heads = arch.RoiHeads!;
        BoxHeadSpec box = heads.BoxHead;
        int channels = arch.Fpn.OutChannels;
        int resolution = box.PoolerResolution;
        // FastRCNNConvFCHead: conv{k} (3x3, bias when no norm), then fc{k} on the flattened (C, H, W).
        for (int k = 0; k < box.NumConv; k++)
        {
            ConvWithBias(table, $"roi_heads.box_head.conv{k + 1}", box.ConvDim, channels, 3, "MODEL.ROI_BOX_HEAD.CONV_DIM");
            channels = box.ConvDim;
        }
        long flat = (long)channels * resolution * resolution;
        int features = checked((int)flat);
        for (int k = 0; k < box.NumFc; k++)
        {
            Linear(table, $"roi_heads.box_head.fc{k + 1}", box.FcDim, features, "MODEL.ROI_BOX_HEAD.FC_DIM");
            features = box.FcDim;
        }
        // FastRCNNOutputLayers: cls_score K + 1 (background last), bbox_pred 4 per class (or 4 when class-agnostic).
        Linear(table, "roi_heads.box_predictor.cls_score", heads.NumClasses + 1, features, "MODEL.ROI_HEADS.NUM_CLASSES");
        int regClasses = box.ClsAgnosticBboxReg ? 1 : heads.NumClasses;
        Linear(table, "roi_heads.box_predictor.bbox_pred", regClasses * box.BboxRegWeights.Count, features,
            box.ClsAgnosticBboxReg ? "MODEL.ROI_BOX_HEAD.CLS_AGNOSTIC_BBOX_REG" : "MODEL.ROI_HEADS.NUM_CLASSES");

        if (heads.MaskHead is not { } mask) return;
        // MaskRCNNConvUpsampleHead: mask_fcn{k} 3x3, deconv (ConvTranspose2d weight is [in, out, 2, 2]), predictor 1x1.
        channels = arch.Fpn.OutChannels;
        for (int k = 0; k < mask.NumConv; k++)
        {
            ConvWithBias(table, $"roi_heads.mask_head.mask_fcn{k + 1}", mask.ConvDim, channels, 3, "MODEL.ROI_MASK_HEAD.CONV_DIM");
            channels = mask.ConvDim;
        }
        table.Add(new ExpectedParameter("roi_heads.mask_head.deconv.weight", [channels, mask.ConvDim, 2, 2], "MODEL.ROI_MASK_HEAD.CONV_DIM"));
        table.Add(new ExpectedParameter("roi_heads.mask_head.deconv.bias", [mask.ConvDim], "MODEL.ROI_MASK_HEAD.CONV_DIM"));
        int maskClasses = mask.ClsAgnosticMask ? 1 : heads.NumClasses;
        ConvWithBias(table, "roi_heads.mask_head.predictor", maskClasses, mask.ConvDim, 1,
            mask.ClsAgnosticMask ? "MODEL.ROI_MASK_HEAD.CLS_AGNOSTIC_MASK" : "MODEL.ROI_HEADS.NUM_CLASSES");
    }

    private static void AddRetinaNetHead(List<ExpectedParameter> table, ArchitectureSpec arch)
    {
        RetinaNetSpec retina = arch.RetinaNet!;
        int channels = arch.Fpn.OutChannels;
        // RetinaNetHead: cls_subnet and bbox_subnet are Sequential(conv, ReLU, conv, ReLU, ...): convs at even indices.
        for (int k = 0; k < retina.NumConvs; k++)
            ConvWithBias(table, $"head.cls_subnet.{2 * k}", channels, channels, 3, "MODEL.FPN.OUT_CHANNELS");
        for (int k = 0; k < retina.NumConvs; k++)
            ConvWithBias(table, $"head.bbox_subnet.{2 * k}", channels, channels, 3, "MODEL.FPN.OUT_CHANNELS");
        int anchors = arch.Anchors.AnchorsPerCell(0);
        ConvWithBias(table, "head.cls_score", anchors * retina.NumClasses, channels, 3, "MODEL.RETINANET.NUM_CLASSES");
        ConvWithBias(table, "head.bbox_pred", anchors * retina.BboxRegWeights.Count, channels, 3, "MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS");
    }

    private static void ConvWithBias(List<ExpectedParameter> table, string name, int outChannels, int inChannels, int kernel, string impliedBy)
    {
        table.Add(new ExpectedParameter(name + ".weight", [outChannels, inChannels, kernel, kernel], impliedBy));
        table.Add(new ExpectedParameter(name + ".bias", [outChannels], impliedBy));
    }

    /// <summary>
    /// A bias-free Conv2d with a norm submodule: weight, then FrozenBatchNorm2d's (or eval BatchNorm2d's) weight, bias,
    /// running_mean, running_var; only the weight when the backbone has no norm.
    /// </summary>
    private static void ConvWithNorm(List<ExpectedParameter> table, string name, int outChannels, int inChannels, int kh, int kw, string impliedBy, bool norm)
    {
        table.Add(new ExpectedParameter(name + ".weight", [outChannels, inChannels, kh, kw], impliedBy));
        if (!norm) return;
        foreach (string buffer in (string[])["weight", "bias", "running_mean", "running_var"])
            table.Add(new ExpectedParameter($"{name}.norm.{buffer}", [outChannels], impliedBy));
    }

    private static void Linear(List<ExpectedParameter> table, string name, int outFeatures, int inFeatures, string impliedBy)
    {
        table.Add(new ExpectedParameter(name + ".weight", [outFeatures, inFeatures], impliedBy));
        table.Add(new ExpectedParameter(name + ".bias", [outFeatures], impliedBy));
    }
}
