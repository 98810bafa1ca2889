using System.Runtime.InteropServices;
using Detserve.Vision;

namespace Detserve.Runtime.Cuda.Tests;

/// <summary>
/// JPEG encoding for the GPU decode tests: libjpeg-turbo's TurboJPEG 2.x tjCompress2 (libturbojpeg.so.0, the library Vision decodes
/// with), accurate DCT, so the golden PNGs become deterministic JPEGs at a chosen quality and chroma subsampling.
/// </summary>
internal static class TurboJpegEncoder
{
    private const string Library = "libturbojpeg.so.0";

    /// <summary>TJSAMP_444.</summary>
    public const int Subsampling444 = 0;

    /// <summary>TJSAMP_420.</summary>
    public const int Subsampling420 = 2;

    private const int PixelFormatRgb = 0; // TJPF_RGB
    private const int FlagAccurateDct = 4096; // TJFLAG_ACCURATEDCT

    /// <summary>Encodes <paramref name="image"/> as a baseline JPEG.</summary>
    public static byte[] Encode(RgbImage image, int quality, int subsampling)
    {
        nint handle = tjInitCompress();
        if (handle == 0) throw new InvalidOperationException("tjInitCompress failed");
        nint buffer = 0;
        try
        {
            var size = new CULong(0);
            if (tjCompress2(handle, image.Pixels, image.Width, image.RowBytes, image.Height, PixelFormatRgb, ref buffer, ref size, subsampling, quality, FlagAccurateDct) != 0)
                throw new InvalidOperationException($"tjCompress2 failed for a {image.Width}x{image.Height} image");
            var jpeg = new byte[(int)size.Value];
            Marshal.Copy(buffer, jpeg, 0, jpeg.Length);
            return jpeg;
        }
        finally
        {
            if (buffer != 0) tjFree(buffer);
            _ = tjDestroy(handle);
        }
    }

    [DllImport(Library)]
    private static extern nint tjInitCompress();

    [DllImport(Library)]
    private static extern int tjCompress2(nint handle, byte[] srcBuf, int width, int pitch, int height, int pixelFormat, ref nint jpegBuf,
        ref CULong jpegSize, int jpegSubsamp, int jpegQual, int flags);

    [DllImport(Library)]
    private static extern void tjFree(nint buffer);

    [DllImport(Library)]
    private static extern int tjDestroy(nint handle);
}
