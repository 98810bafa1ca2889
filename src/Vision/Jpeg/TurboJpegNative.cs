using System.Runtime.InteropServices;

namespace Detserve.Vision.Jpeg;

/// <summary>
/// The TurboJPEG 2.x entry points of libjpeg-turbo (Debian package libturbojpeg0, library libturbojpeg.so.0), as
/// declared in turbojpeg.h. Debian 12 ships 2.1.5, which predates the tj3* API, so this uses the tjDecompress2 family.
/// <c>unsigned long</c> sizes are <see cref="CULong"/> so the signatures also hold where long is 32 bits.
/// </summary>
internal static unsafe partial class TurboJpegNative
{
    public const string Library = "libturbojpeg.so.0";

    // enum TJPF
    public const int PixelFormatRgb = 0;
    public const int PixelFormatGray = 6;
    public const int PixelFormatCmyk = 11;

    // enum TJCS
    public const int ColorspaceRgb = 0;
    public const int ColorspaceYCbCr = 1;
    public const int ColorspaceGray = 2;
    public const int ColorspaceCmyk = 3;
    public const int ColorspaceYcck = 4;

    /// <summary>TJFLAG_ACCURATEDCT: JDCT_ISLOW, libjpeg's default DCT, which Pillow uses (it sets JDCT_FASTEST only in draft mode).</summary>
    public const int FlagAccurateDct = 4096;

    /// <summary>TJFLAG_LIMITSCANS: refuse progressive files with more than 500 scans (a CPU-exhaustion guard).</summary>
    public const int FlagLimitScans = 32768;

    // enum TJERR
    public const int ErrorWarning = 0;

    [LibraryImport(Library)]
    public static partial nint tjInitDecompress();

    [LibraryImport(Library)]
    public static partial int tjDestroy(nint handle);

    [LibraryImport(Library)]
    public static partial int tjDecompressHeader3(TurboJpegHandle handle, byte* jpegBuf, CULong jpegSize, out int width, out int height, out int jpegSubsamp, out int jpegColorspace);

    [LibraryImport(Library)]
    public static partial int tjDecompress2(TurboJpegHandle handle, byte* jpegBuf, CULong jpegSize, byte* dstBuf, int width, int pitch, int height, int pixelFormat, int flags);

    /// <summary>A static string owned by the handle; valid until the next call on it.</summary>
    [LibraryImport(Library)]
    public static partial nint tjGetErrorStr2(TurboJpegHandle handle);

    [LibraryImport(Library)]
    public static partial int tjGetErrorCode(TurboJpegHandle handle);
}
