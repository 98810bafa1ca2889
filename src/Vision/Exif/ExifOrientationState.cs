namespace Detserve.Vision.Exif;

/// <summary>See <see cref="ExifOrientation"/>.</summary>
internal enum ExifOrientationState
{
    /// <summary>Not a TIFF block: Pillow raises, detectron2 applies no orientation.</summary>
    NotTiff,

    /// <summary>A TIFF block without an Orientation tag in IFD0.</summary>
    Absent,

    /// <summary>IFD0 has an Orientation tag.</summary>
    Present,
}
