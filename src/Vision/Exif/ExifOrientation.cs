namespace Detserve.Vision.Exif;

/// <summary>
/// The Orientation tag as Pillow's <c>Image.getexif()</c> sees it: the payload is not TIFF (getexif raises), the tag is
/// absent (PNG then falls back to XMP's tiff:Orientation), or present with a value (1..8 meaningful; 0 stands for
/// a value detectron2's lookup table cannot match).
/// </summary>
internal readonly record struct ExifOrientation(ExifOrientationState State, int Value)
{
    public static ExifOrientation NotTiff => new(ExifOrientationState.NotTiff, 0);

    public static ExifOrientation Absent => new(ExifOrientationState.Absent, 0);

    public static ExifOrientation Present(int value) => new(ExifOrientationState.Present, value is >= 1 and <= 8 ? value : 0);
}
