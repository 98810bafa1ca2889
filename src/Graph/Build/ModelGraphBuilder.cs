using Detserve.Graph.Spec;

namespace Detserve.Graph.Build;

/// <summary>
/// Builds a <see cref="ModelGraph"/> from an <see cref="ArchitectureSpec"/> and the checkpoint's tensors (Detectron2 state-dict names).
/// Checks every shape and refuses what the graph cannot express, naming the config key; computes nothing. FrozenBN stays a separate
/// node here; <see cref="Compile.GraphCompiler"/> folds it.
/// </summary>
public static class ModelGraphBuilder
{
    /// <summary>Builds the graphs; <paramref name="unusedWeights"/> receives checkpoint tensors the model does not read.</summary>
    public static ModelGraph Build(ArchitectureSpec arch, IReadOnlyDictionary<string, HostTensor> weights, out IReadOnlyList<string> unusedWeights)
    {
        ArgumentNullException.ThrowIfNull(arch);
        ArgumentNullException.ThrowIfNull(weights);
        if (arch.Input.PixelMean.Count != 3 || arch.Input.PixelStd.Count != 3)
            throw new GraphBuildException($"MODEL.PIXEL_MEAN / MODEL.PIXEL_STD must have 3 values, got {arch.Input.PixelMean.Count} / {arch.Input.PixelStd.Count}");
        if (arch.Input.Format is not ("BGR" or "RGB"))
            throw new GraphBuildException($"INPUT.FORMAT '{arch.Input.Format}' is not supported (BGR or RGB)");

        var table = new WeightTable(weights);
        var dense = new NetworkBuilder();
        var f = new ConvFactory(dense, table);
        int image = dense.Input("image", 3);
        var bottomUp = ResNetBuilder.Build(f, arch.Backbone, image, "backbone.bottom_up.", arch.Fpn.InFeatures);
        var levels = FpnBuilder.Build(f, arch.Fpn, bottomUp);
        foreach (var l in levels) dense.Output(l.Name, l.Node);

        NetworkGraph? box = null, mask = null;
        switch (arch.MetaArchitecture)
        {
            case MetaArchitecture.GeneralizedRCNN:
            {
                RpnSpec rpn = arch.Rpn ?? throw new GraphBuildException("MODEL.META_ARCHITECTURE GeneralizedRCNN needs an RPN spec (MODEL.PROPOSAL_GENERATOR.NAME)");
                RoiHeadsSpec roi = arch.RoiHeads ?? throw new GraphBuildException("MODEL.META_ARCHITECTURE GeneralizedRCNN needs MODEL.ROI_HEADS");
                HeadBuilder.Rpn(f, rpn, UniformAnchorsPerCell(arch.Anchors, rpn.InFeatures.Count), levels);
                int channels = CommonChannels(dense, levels, roi.InFeatures, "MODEL.ROI_HEADS.IN_FEATURES");
                box = HeadBuilder.BoxHead(table, roi, channels);
                if (roi.MaskHead is { } m) mask = HeadBuilder.MaskHead(table, roi, m, channels);
                break;
            }
            case MetaArchitecture.RetinaNet:
            {
                RetinaNetSpec r = arch.RetinaNet ?? throw new GraphBuildException("MODEL.META_ARCHITECTURE RetinaNet needs MODEL.RETINANET");
                HeadBuilder.RetinaNet(f, r, UniformAnchorsPerCell(arch.Anchors, r.InFeatures.Count), levels);
                break;
            }
            default:
                throw new GraphBuildException($"MODEL.META_ARCHITECTURE '{arch.MetaArchitecture}' is not supported by the graph");
        }

        unusedWeights = weights.Keys.Where(k => !table.Used.Contains(k)).ToArray();
        return new ModelGraph(arch, dense.Build(), box, mask, levels.Select(l => (l.Name, l.Stride)).ToArray());
    }

    // Detectron2's heads assert that every level has the same number of cell anchors (rpn.py StandardRPNHead.from_config).
    private static int UniformAnchorsPerCell(AnchorSpec anchors, int levels)
    {
        if (anchors.Sizes.Count != levels || anchors.AspectRatios.Count != levels)
            throw new GraphBuildException($"MODEL.ANCHOR_GENERATOR.SIZES has {anchors.Sizes.Count} and ASPECT_RATIOS {anchors.AspectRatios.Count} levels, the head has {levels}");
        if (anchors.Strides.Count != levels)
            throw new GraphBuildException($"anchor strides: {anchors.Strides.Count} levels, the head has {levels}");
        int a = anchors.AnchorsPerCell(0);
        for (int i = 1; i < levels; i++)
            if (anchors.AnchorsPerCell(i) != a)
                throw new GraphBuildException($"MODEL.ANCHOR_GENERATOR.SIZES: level {i} has {anchors.AnchorsPerCell(i)} anchors per cell, level 0 has {a}; the head needs the same on every level");
        return a;
    }

    private static int CommonChannels(NetworkBuilder g, IReadOnlyList<(string Name, int Node, int Stride)> levels, IReadOnlyList<string> names, string key)
    {
        int channels = -1;
        foreach (string name in names)
        {
            int node = -1;
            foreach (var l in levels) if (l.Name == name) node = l.Node;
            if (node < 0) throw new GraphBuildException($"{key} names '{name}', which the FPN does not produce");
            int c = g.ShapeOf(node).Channels;
            if (channels >= 0 && c != channels) throw new GraphBuildException($"{key}: levels have different channel counts ({channels} vs {c})");
            channels = c;
        }
        if (channels < 0) throw new GraphBuildException($"{key} is empty");
        return channels;
    }
}
