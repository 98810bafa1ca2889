namespace Detserve.Vision;

/// <summary>A decoder's result before orientation: the RGB pixels as stored and the EXIF orientation (0 when none).</summary>
internal sealed record DecodedImage(RgbImage Image, int Orientation);
