using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Detserve.Vision.Exif;

namespace Detserve.Vision.Jpeg;

/// <summary>
/// JPEG decoding through libjpeg-turbo's TurboJPEG API, with the output Pillow 9.4 (built on the same libjpeg-turbo)
/// gives for <c>Image.open(jpeg).convert("RGB")</c>: islow DCT and fancy upsampling (libjpeg defaults, which Pillow's
/// JpegDecode.c keeps outside draft mode); grey files decoded as grey and replicated; 4-component files decoded to
/// CMYK, inverted as Pillow's "CMYK;I" raw mode assumes (Adobe polarity), then Convert.c cmyk2rgb.
/// A "Premature end of JPEG file" warning is a truncated file (Pillow raises "image file is truncated"); other
/// libjpeg warnings (extraneous bytes, corrupt data segments) are tolerated as Pillow tolerates them.
/// </summary>
internal static class JpegDecoder
{
    public static DecodedImage Decode(ReadOnlySpan<byte> data, string sourceName, ImageLimits limits)
    {
        int orientation = ReadExifOrientation(data);
        TurboJpegHandle handle;
        try
        {
            handle = TurboJpegHandle.CreateDecompressor();
        }
        catch (DllNotFoundException e)
        {
            throw new ImageDecodeException(sourceName, $"JPEG decoding needs libjpeg-turbo's TurboJPEG library ({TurboJpegNative.Library}), which could not be loaded; install it with: apt-get install libturbojpeg0", e);
        }
        using (handle)
        {
            try
            {
                return new DecodedImage(DecodeWith(handle, data, sourceName, limits), orientation);
            }
            catch (EntryPointNotFoundException e)
            {
                // tjGetErrorStr2 / tjGetErrorCode arrived in libjpeg-turbo 2.0.
                throw new ImageDecodeException(sourceName, $"the installed {TurboJpegNative.Library} is older than libjpeg-turbo 2.0; install a current one with: apt-get install libturbojpeg0", e);
            }
        }
    }

    private static unsafe RgbImage DecodeWith(TurboJpegHandle handle, ReadOnlySpan<byte> data, string sourceName, ImageLimits limits)
    {
        fixed (byte* src = data)
        {
            var size = new CULong((nuint)data.Length);
            if (TurboJpegNative.tjDecompressHeader3(handle, src, size, out int width, out int height, out _, out int colorspace) != 0)
            {
                // TurboJPEG 2.x refuses headers whose sampling factors match none of its TJSAMP_* types (e.g. 2x1,1x2,1x1)
                // although libjpeg, and so Pillow, decodes them; tjDecompress2 does not need the type, so read the frame
                // header here instead.
                string headerError = handle.LastError();
                if (!headerError.Contains("subsampling", StringComparison.Ordinal) || !TryReadFrameHeader(data, out width, out height, out int components))
                    throw new ImageDecodeException(sourceName, $"JPEG header: {headerError}");
                colorspace = components switch
                {
                    1 => TurboJpegNative.ColorspaceGray,
                    4 => TurboJpegNative.ColorspaceCmyk,
                    _ => TurboJpegNative.ColorspaceYCbCr,
                };
            }
            limits.Check(width, height, sourceName, "JPEG frame header");

            (int format, int channels) = colorspace switch
            {
                TurboJpegNative.ColorspaceGray => (TurboJpegNative.PixelFormatGray, 1),
                TurboJpegNative.ColorspaceCmyk or TurboJpegNative.ColorspaceYcck => (TurboJpegNative.PixelFormatCmyk, 4),
                _ => (TurboJpegNative.PixelFormatRgb, 3),
            };
            var decoded = new byte[(long)width * height * channels];
            int flags = TurboJpegNative.FlagAccurateDct | TurboJpegNative.FlagLimitScans;
            fixed (byte* dst = decoded)
            {
                if (TurboJpegNative.tjDecompress2(handle, src, size, dst, width, width * channels, height, format, flags) != 0)
                {
                    string message = handle.LastError();
                    bool warning = TurboJpegNative.tjGetErrorCode(handle) == TurboJpegNative.ErrorWarning;
                    if (!warning || message.Contains("Premature end of JPEG file", StringComparison.Ordinal))
                        throw new ImageDecodeException(sourceName, $"JPEG data: {message}");
                }
            }
            return channels switch
            {
                3 => new RgbImage(width, height, decoded),
                1 => new RgbImage(width, height, GreyToRgb(decoded)),
                _ => new RgbImage(width, height, InvertedCmykToRgb(decoded)),
            };
        }
    }

    private static byte[] GreyToRgb(ReadOnlySpan<byte> grey)
    {
        var rgb = new byte[grey.Length * 3];
        for (int i = 0; i < grey.Length; i++)
            rgb[i * 3] = rgb[(i * 3) + 1] = rgb[(i * 3) + 2] = grey[i];
        return rgb;
    }

    /// <summary>
    /// Pillow: raw mode "CMYK;I" stores 255 - v, then cmyk2rgb: nk = 255 - K, out = clip(nk - MULDIV255(C, nk)) with
    /// MULDIV255(a, b) = ((t >> 8) + t) >> 8, t = a * b + 128.
    /// </summary>
    private static byte[] InvertedCmykToRgb(ReadOnlySpan<byte> cmyk)
    {
        int n = cmyk.Length / 4;
        var rgb = new byte[n * 3];
        for (int i = 0; i < n; i++)
        {
            int nk = cmyk[(i * 4) + 3]; // 255 - (255 - K)
            for (int c = 0; c < 3; c++)
            {
                int value = 255 - cmyk[(i * 4) + c];
                int t = (value * nk) + 128;
                int v = nk - (((t >> 8) + t) >> 8);
                rgb[(i * 3) + c] = (byte)Math.Clamp(v, 0, 255);
            }
        }
        return rgb;
    }

    /// <summary>Width, height and component count from the first SOFn segment (ITU T.81 B.2.2), scanning up to SOS.</summary>
    internal static bool TryReadFrameHeader(ReadOnlySpan<byte> data, out int width, out int height, out int components)
    {
        width = height = components = 0;
        int pos = 2;
        while (pos + 4 <= data.Length)
        {
            if (data[pos] != 0xFF) return false;
            byte marker = data[pos + 1];
            if (marker == 0xFF) { pos++; continue; }
            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7)) { pos += 2; continue; }
            if (marker is 0xDA or 0xD9) return false;
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 2)..]);
            if (length < 2 || pos + 2 + length > data.Length) return false;
            if (marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC))
            {
                if (length < 8) return false;
                height = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 5)..]);
                width = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 7)..]);
                components = data[pos + 9];
                return width > 0 && height > 0 && components is 1 or 3 or 4;
            }
            pos += 2 + length;
        }
        return false;
    }

    /// <summary>
    /// The orientation from the first APP1 segment that starts with "Exif\0" (JpegImagePlugin.APP keeps the first),
    /// scanning marker segments up to SOS. Malformed segment structure yields 0; libjpeg reports real damage.
    /// </summary>
    internal static int ReadExifOrientation(ReadOnlySpan<byte> data)
    {
        int pos = 2;
        while (pos + 4 <= data.Length)
        {
            if (data[pos] != 0xFF) return 0;
            byte marker = data[pos + 1];
            if (marker == 0xFF) { pos++; continue; } // fill byte
            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7)) { pos += 2; continue; } // no length
            if (marker is 0xDA or 0xD9) return 0; // SOS / EOI: no EXIF in the header
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 2)..]);
            if (length < 2 || pos + 2 + length > data.Length) return 0;
            ReadOnlySpan<byte> body = data.Slice(pos + 4, length - 2);
            if (marker == 0xE1 && body.StartsWith("Exif\0"u8))
                return ExifOrientationReader.Read(body).Value;
            pos += 2 + length;
        }
        return 0;
    }
}
