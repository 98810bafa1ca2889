namespace Detserve.Vision.Bmp;

/// <summary>How one BMP pixel is stored (Pillow's raw modes for BMP).</summary>
internal enum BmpLayout
{
    /// <summary>1, 4 or 8-bit palette index ("P;1", "P;4", "P").</summary>
    Palette,

    /// <summary>16-bit 5-5-5, blue in the low bits ("BGR;15").</summary>
    Bgr15,

    /// <summary>16-bit 5-6-5 ("BGR;16").</summary>
    Bgr16,

    /// <summary>B, G, R bytes ("BGR").</summary>
    Bgr,

    /// <summary>B, G, R, unused/alpha ("BGRX", "BGRA").</summary>
    Bgrx,

    /// <summary>unused/alpha, B, G, R ("XBGR", "ABGR").</summary>
    Xbgr,

    /// <summary>R, G, B, alpha ("RGBA").</summary>
    Rgbx,
}
