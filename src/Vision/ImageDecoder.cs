using Detserve.Vision.Bmp;
using Detserve.Vision.Exif;
using Detserve.Vision.Jpeg;
using Detserve.Vision.Png;

namespace Detserve.Vision;

/// <summary>
/// Reads an image file into 8-bit RGB the way detectron2.data.detection_utils.read_image does with Pillow 9.4:
/// <c>Image.open</c>, <c>_apply_exif_orientation</c>, then <c>convert("RGB")</c>. The format is sniffed from magic
/// bytes (PNG signature, JPEG SOI FF D8 FF, BMP "BM"), never from the file name.
/// Every failure (unsupported or damaged data, limits exceeded, unreadable file) is an <see cref="ImageDecodeException"/>
/// whose message starts with the source name.
/// </summary>
public static class ImageDecoder
{
    /// <summary>Reads and decodes the file at <paramref name="path"/>.</summary>
    public static RgbImage DecodeFile(string path, ImageLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        limits ??= ImageLimits.Default;
        byte[] bytes;
        try
        {
            long length = new FileInfo(path).Length;
            if (length > limits.MaxEncodedBytes)
                throw new ImageDecodeException(path, $"the file is {length} bytes, above the limit of {limits.MaxEncodedBytes}");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or System.Security.SecurityException)
        {
            throw new ImageDecodeException(path, $"cannot read the file: {e.Message}", e);
        }
        return Decode(bytes, path, limits);
    }

    /// <summary>Decodes encoded image bytes; <paramref name="sourceName"/> names them in error messages.</summary>
    public static RgbImage Decode(ReadOnlySpan<byte> data, string sourceName, ImageLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        limits ??= ImageLimits.Default;
        if (data.Length > limits.MaxEncodedBytes)
            throw new ImageDecodeException(sourceName, $"{data.Length} encoded bytes, above the limit of {limits.MaxEncodedBytes}");
        DecodedImage decoded;
        try
        {
            decoded = Sniff(data) switch
            {
                ImageFormat.Png => PngDecoder.Decode(data, sourceName, limits),
                ImageFormat.Jpeg => JpegDecoder.Decode(data, sourceName, limits),
                ImageFormat.Bmp => BmpDecoder.Decode(data, sourceName, limits),
                _ => throw new ImageDecodeException(sourceName, $"cannot identify image file ({data.Length} bytes; not PNG, JPEG or BMP)"),
            };
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or InvalidOperationException or OverflowException)
        {
            // A decoder bug must still surface as a decode failure of this source, not take down the caller.
            throw new ImageDecodeException(sourceName, $"internal decoder error: {e.Message}", e);
        }
        return ExifTranspose.Apply(decoded.Image, decoded.Orientation);
    }

    /// <summary>
    /// The EXIF orientation <see cref="Decode"/> applies to a JPEG: 2..8 from the Orientation tag of its first "Exif" APP1 segment before
    /// SOS (Pillow's JpegImagePlugin), else 1 (no tag, a value outside 2..8 or a malformed segment walk: the image is left as stored).
    /// For decoders other than Vision's (nvJPEG) that must orient the stored pixels exactly as Vision does.
    /// </summary>
    public static int ReadJpegOrientation(ReadOnlySpan<byte> jpeg)
    {
        if (Sniff(jpeg) != ImageFormat.Jpeg) return 1;
        int orientation = JpegDecoder.ReadExifOrientation(jpeg);
        return orientation is >= 2 and <= 8 ? orientation : 1;
    }

    /// <summary>The container format by its magic bytes.</summary>
    public static ImageFormat Sniff(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith(PngDecoder.Signature)) return ImageFormat.Png;
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return ImageFormat.Jpeg;
        if (data.Length >= 2 && data[0] == (byte)'B' && data[1] == (byte)'M') return ImageFormat.Bmp;
        return ImageFormat.Unknown;
    }
}
