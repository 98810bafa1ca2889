namespace Detserve.Graph.Spec;

/// <summary>
/// How DefaultPredictor prepares an image (INPUT.*, MODEL.PIXEL_MEAN/STD).
/// </summary>
/// <param name="Format">INPUT.FORMAT: "BGR" or "RGB" (channel order the network expects).</param>
/// <param name="MinSizeTest">INPUT.MIN_SIZE_TEST (0 disables resizing, as in DefaultPredictor).</param>
/// <param name="MaxSizeTest">INPUT.MAX_SIZE_TEST.</param>
/// <param name="PixelMean">MODEL.PIXEL_MEAN, one value per channel in <paramref name="Format"/> order.</param>
/// <param name="PixelStd">MODEL.PIXEL_STD, same order.</param>
public sealed record InputSpec(
    string Format,
    int MinSizeTest,
    int MaxSizeTest,
    IReadOnlyList<double> PixelMean,
    IReadOnlyList<double> PixelStd);
