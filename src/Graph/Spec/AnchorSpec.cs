namespace Detserve.Graph.Spec;

/// <summary>
/// DefaultAnchorGenerator (MODEL.ANCHOR_GENERATOR.*, detectron2/modeling/anchor_generator.py).
/// One entry per feature level in <see cref="Sizes"/> and <see cref="AspectRatios"/> (Detectron2 broadcasts a single entry to every level;
/// the mapper has already done that, so both lists have one entry per level).
/// </summary>
/// <param name="Sizes">Per level, anchor sizes in pixels (sizes outer, ratios inner when enumerating cell anchors).</param>
/// <param name="AspectRatios">Per level, aspect ratios h/w.</param>
/// <param name="Offset">MODEL.ANCHOR_GENERATOR.OFFSET (0.0 in the defaults).</param>
/// <param name="Strides">Per level, the feature stride in pixels (4, 8, 16, 32, 64 for p2..p6).</param>
public sealed record AnchorSpec(
    IReadOnlyList<IReadOnlyList<double>> Sizes,
    IReadOnlyList<IReadOnlyList<double>> AspectRatios,
    double Offset,
    IReadOnlyList<int> Strides)
{
    /// <summary>Anchors per spatial cell on level <paramref name="level"/>.</summary>
    public int AnchorsPerCell(int level) => Sizes[level].Count * AspectRatios[level].Count;
}
