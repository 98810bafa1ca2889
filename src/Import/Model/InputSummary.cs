namespace Detserve.Import.Model;

/// <summary>Pre-processing in a <see cref="ModelSummary"/>.</summary>
/// <param name="Format">INPUT.FORMAT.</param>
/// <param name="MinSizeTest">INPUT.MIN_SIZE_TEST (ResizeShortestEdge short side; 0 = no resize).</param>
/// <param name="MaxSizeTest">INPUT.MAX_SIZE_TEST.</param>
/// <param name="PixelMean">MODEL.PIXEL_MEAN.</param>
/// <param name="PixelStd">MODEL.PIXEL_STD.</param>
/// <param name="SizeDivisibility">Padding multiple.</param>
public sealed record InputSummary(string Format, int MinSizeTest, int MaxSizeTest, IReadOnlyList<double> PixelMean, IReadOnlyList<double> PixelStd, int SizeDivisibility);
