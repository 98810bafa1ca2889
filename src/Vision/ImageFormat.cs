namespace Detserve.Vision;

/// <summary>An encoded image container, as recognised by its magic bytes.</summary>
public enum ImageFormat
{
    /// <summary>None of the supported formats.</summary>
    Unknown,

    /// <summary>PNG (89 50 4E 47 0D 0A 1A 0A).</summary>
    Png,

    /// <summary>JPEG (FF D8 FF).</summary>
    Jpeg,

    /// <summary>Windows or OS/2 bitmap ("BM").</summary>
    Bmp,
}
