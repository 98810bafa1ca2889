using Detserve.Graph.Spec;

namespace Detserve.Graph.Build;

/// <summary>The dense heads (StandardRPNHead, RetinaNetHead) and the ROI heads (FastRCNNConvFCHead + FastRCNNOutputLayers, MaskRCNNConvUpsampleHead).</summary>
internal static class HeadBuilder
{
    /// <summary>
    /// StandardRPNHead (proposal_generator/rpn.py): shared 3x3 conv(s) + ReLU, then objectness_logits (A) and anchor_deltas (4A) 1x1 convs,
    /// applied to every level with the same weights.
    /// </summary>
    public static void Rpn(ConvFactory f, RpnSpec spec, int anchorsPerCell, IReadOnlyList<(string Name, int Node, int Stride)> levels)
    {
        const string p = "proposal_generator.rpn_head";
        foreach (string name in spec.InFeatures)
        {
            int x = Level(levels, name, "MODEL.RPN.IN_FEATURES");
            int channels = f.Graph.ShapeOf(x).Channels;
            if (spec.ConvDims.Count == 0) throw new GraphBuildException("MODEL.RPN.CONV_DIMS is empty");
            for (int k = 0; k < spec.ConvDims.Count; k++)
            {
                int dim = spec.ConvDims[k] == -1 ? channels : spec.ConvDims[k];
                if (dim <= 0) throw new GraphBuildException($"MODEL.RPN.CONV_DIMS[{k}] = {spec.ConvDims[k]} is not a channel count");
                string prefix = spec.ConvDims.Count == 1 ? $"{p}.conv" : $"{p}.conv.conv{k}";
                x = f.Conv(prefix, x, dim, 3, 1, 1, 1, 1, bias: true, frozenBn: false, relu: true, "MODEL.RPN.CONV_DIMS");
                channels = dim;
            }
            int obj = f.Conv($"{p}.objectness_logits", x, anchorsPerCell, 1, 1, 0, 1, 1, bias: true, frozenBn: false, relu: false, "MODEL.ANCHOR_GENERATOR.SIZES");
            int del = f.Conv($"{p}.anchor_deltas", x, anchorsPerCell * 4, 1, 1, 0, 1, 1, bias: true, frozenBn: false, relu: false, "MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS");
            f.Graph.Output($"rpn_objectness_{name}", obj);
            f.Graph.Output($"rpn_deltas_{name}", del);
        }
    }

    /// <summary>
    /// RetinaNetHead (meta_arch/retinanet.py): cls_subnet and bbox_subnet of NUM_CONVS x (3x3 conv + ReLU) (Sequential indices 0, 2, ...),
    /// cls_score (A*K) and bbox_pred (4A) 3x3 convs; the same weights on every level.
    /// </summary>
    public static void RetinaNet(ConvFactory f, RetinaNetSpec spec, int anchorsPerCell, IReadOnlyList<(string Name, int Node, int Stride)> levels)
    {
        if (spec.Norm.Length != 0)
            throw new GraphBuildException($"MODEL.RETINANET.NORM '{spec.Norm}' is not supported by the graph (only \"\")");
        foreach (string name in spec.InFeatures)
        {
            int input = Level(levels, name, "MODEL.RETINANET.IN_FEATURES");
            int channels = f.Graph.ShapeOf(input).Channels;
            int cls = input, box = input;
            for (int k = 0; k < spec.NumConvs; k++)
            {
                cls = f.Conv($"head.cls_subnet.{2 * k}", cls, channels, 3, 1, 1, 1, 1, bias: true, frozenBn: false, relu: true, "MODEL.RETINANET.NUM_CONVS");
                box = f.Conv($"head.bbox_subnet.{2 * k}", box, channels, 3, 1, 1, 1, 1, bias: true, frozenBn: false, relu: true, "MODEL.RETINANET.NUM_CONVS");
            }
            cls = f.Conv("head.cls_score", cls, anchorsPerCell * spec.NumClasses, 3, 1, 1, 1, 1, bias: true, frozenBn: false, relu: false, "MODEL.RETINANET.NUM_CLASSES");
            box = f.Conv("head.bbox_pred", box, anchorsPerCell * 4, 3, 1, 1, 1, 1, bias: true, frozenBn: false, relu: false, "MODEL.ANCHOR_GENERATOR.SIZES");
            f.Graph.Output($"head_cls_{name}", cls);
            f.Graph.Output($"head_box_{name}", box);
        }
    }

    /// <summary>FastRCNNConvFCHead (roi_heads/box_head.py) then FastRCNNOutputLayers' cls_score and bbox_pred (fast_rcnn.py).</summary>
    public static NetworkGraph BoxHead(WeightTable weights, RoiHeadsSpec spec, int channels)
    {
        BoxHeadSpec b = spec.BoxHead;
        if (b.Norm.Length != 0) throw new GraphBuildException($"MODEL.ROI_BOX_HEAD.NORM '{b.Norm}' is not supported by the graph (only \"\")");
        CheckPooler(b.PoolerType, "MODEL.ROI_BOX_HEAD.POOLER_TYPE");
        var g = new NetworkBuilder();
        var f = new ConvFactory(g, weights);
        int x = g.Input("box_features", channels, b.PoolerResolution, b.PoolerResolution);
        for (int k = 0; k < b.NumConv; k++)
            x = f.Conv($"roi_heads.box_head.conv{k + 1}", x, b.ConvDim, 3, 1, 1, 1, 1, bias: true, frozenBn: false, relu: true, "MODEL.ROI_BOX_HEAD.CONV_DIM");
        for (int k = 0; k < b.NumFc; k++)
            x = Linear(g, weights, $"roi_heads.box_head.fc{k + 1}", x, b.FcDim, relu: true, "MODEL.ROI_BOX_HEAD.FC_DIM");
        int cls = Linear(g, weights, "roi_heads.box_predictor.cls_score", x, spec.NumClasses + 1, relu: false, "MODEL.ROI_HEADS.NUM_CLASSES");
        int boxClasses = b.ClsAgnosticBboxReg ? 1 : spec.NumClasses;
        int del = Linear(g, weights, "roi_heads.box_predictor.bbox_pred", x, boxClasses * 4, relu: false,
            b.ClsAgnosticBboxReg ? "MODEL.ROI_BOX_HEAD.CLS_AGNOSTIC_BBOX_REG" : "MODEL.ROI_HEADS.NUM_CLASSES");
        g.Output("cls_logits", cls);
        g.Output("box_deltas", del);
        return g.Build();
    }

    /// <summary>MaskRCNNConvUpsampleHead (roi_heads/mask_head.py): NUM_CONV x (3x3 + ReLU), deconv 2x2/2 + ReLU, 1x1 predictor.</summary>
    public static NetworkGraph MaskHead(WeightTable weights, RoiHeadsSpec spec, MaskHeadSpec m, int channels)
    {
        if (m.Norm.Length != 0) throw new GraphBuildException($"MODEL.ROI_MASK_HEAD.NORM '{m.Norm}' is not supported by the graph (only \"\")");
        CheckPooler(m.PoolerType, "MODEL.ROI_MASK_HEAD.POOLER_TYPE");
        var g = new NetworkBuilder();
        var f = new ConvFactory(g, weights);
        int x = g.Input("mask_features", channels, m.PoolerResolution, m.PoolerResolution);
        for (int k = 0; k < m.NumConv; k++)
            x = f.Conv($"roi_heads.mask_head.mask_fcn{k + 1}", x, m.ConvDim, 3, 1, 1, 1, 1, bias: true, frozenBn: false, relu: true, "MODEL.ROI_MASK_HEAD.CONV_DIM");
        int inC = g.ShapeOf(x).Channels;
        // from_config: conv_dims = [CONV_DIM] * (NUM_CONV + 1), the last one being the deconv's output.
        int deconvDim = m.ConvDim;
        float[] dw = weights.Get("roi_heads.mask_head.deconv.weight", [inC, deconvDim, 2, 2], "MODEL.ROI_MASK_HEAD.CONV_DIM");
        float[] db = weights.Get("roi_heads.mask_head.deconv.bias", [deconvDim], "MODEL.ROI_MASK_HEAD.CONV_DIM");
        x = g.ConvTranspose2d("roi_heads.mask_head.deconv", x, new ConvTranspose2dAttributes(inC, deconvDim, 2, 2, 2, 2, 0, 0, dw, db));
        x = g.Relu("roi_heads.mask_head.deconv_relu", x);
        int classes = m.ClsAgnosticMask ? 1 : spec.NumClasses;
        x = f.Conv("roi_heads.mask_head.predictor", x, classes, 1, 1, 0, 1, 1, bias: true, frozenBn: false, relu: false,
            m.ClsAgnosticMask ? "MODEL.ROI_MASK_HEAD.CLS_AGNOSTIC_MASK" : "MODEL.ROI_HEADS.NUM_CLASSES");
        g.Output("mask_logits", x);
        return g.Build();
    }

    private static int Linear(NetworkBuilder g, WeightTable weights, string prefix, int input, int outFeatures, bool relu, string impliedBy)
    {
        NodeShape s = g.ShapeOf(input);
        int inFeatures = s.Channels * s.Height * s.Width;
        float[] w = weights.Get(prefix + ".weight", [outFeatures, inFeatures], impliedBy);
        float[] b = weights.Get(prefix + ".bias", [outFeatures], impliedBy);
        int node = g.Linear(prefix, input, new LinearAttributes(inFeatures, outFeatures, w, b));
        return relu ? g.Relu(prefix + ".relu", node) : node;
    }

    private static void CheckPooler(string type, string key)
    {
        if (type is not ("ROIAlignV2" or "ROIAlign"))
            throw new GraphBuildException($"{key} '{type}' is not supported by the graph (ROIAlignV2 or ROIAlign)");
    }

    private static int Level(IReadOnlyList<(string Name, int Node, int Stride)> levels, string name, string key)
    {
        foreach (var l in levels) if (l.Name == name) return l.Node;
        throw new GraphBuildException($"{key} names '{name}', which the FPN does not produce ({string.Join(", ", levels.Select(l => l.Name))})");
    }
}
