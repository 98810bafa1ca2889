namespace Detserve.Import.Model;

/// <summary>Anchors in a <see cref="ModelSummary"/>.</summary>
/// <param name="Features">Levels the anchors are laid on.</param>
/// <param name="Strides">Stride per level.</param>
/// <param name="Sizes">Sizes per level.</param>
/// <param name="AspectRatios">Aspect ratios per level.</param>
/// <param name="Offset">MODEL.ANCHOR_GENERATOR.OFFSET.</param>
/// <param name="AnchorsPerCell">Anchors per location.</param>
public sealed record AnchorSummary(
    IReadOnlyList<string> Features,
    IReadOnlyList<int> Strides,
    IReadOnlyList<IReadOnlyList<double>> Sizes,
    IReadOnlyList<IReadOnlyList<double>> AspectRatios,
    double Offset,
    int AnchorsPerCell);
