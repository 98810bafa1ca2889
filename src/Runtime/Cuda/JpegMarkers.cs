using System.Buffers.Binary;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// What the GPU input path must know about a JPEG's marker segments (ITU T.81 B.1) on the host before nvJPEG sees the file (its EXIF orientation comes from ImageDecoder.ReadJpegOrientation).
/// The walk follows Detserve.Vision's JpegDecoder.ReadExifOrientation exactly (fill bytes skipped, standalone markers without a length,
/// a malformed segment or EOI ends the walk), so it finds what the host decoder finds.
/// </summary>
internal static class JpegMarkers
{
    /// <summary>
    /// Whether the segment walk reaches the first SOS cleanly and an EOI marker (FF D9) follows it. libjpeg reports a stream that ends before its EOI as "Premature end of JPEG
    /// file", which the host decoder (as Pillow) treats as a truncated file; nvJPEG may decode such a stream without a word, so the GPU path
    /// hands files without an EOI to the host decoder, which names the problem. Entropy-coded data cannot hold FF D9 (an FF there is
    /// stuffed with 00), so a later FF D9 is the EOI of this image.
    /// </summary>
    public static bool HasEndOfImage(ReadOnlySpan<byte> jpeg)
    {
        int pos = 2;
        while (Next(jpeg, ref pos, out byte marker, out int offset, out _))
        {
            if (marker == 0xDA) return jpeg[offset..].IndexOf([(byte)0xFF, (byte)0xD9]) >= 0;
        }
        return false;
    }

    /// <summary>
    /// Whether libjpeg takes a 3-component file as RGB rather than YCbCr (jdapimin.c default_decompress_parms): a JFIF APP0 means YCbCr;
    /// else an Adobe APP14 decides by its transform flag (0 = RGB); else the component ids 'R', 'G', 'B' mean RGB. nvJPEG's RGB output
    /// assumes YCbCr, so the GPU path leaves such files to the host decoder. Scans up to SOS.
    /// </summary>
    public static bool StoresRgb(ReadOnlySpan<byte> jpeg)
    {
        bool jfif = false;
        int adobeTransform = -1;
        bool rgbIds = false;
        int pos = 2;
        while (Next(jpeg, ref pos, out byte marker, out int offset, out int length))
        {
            ReadOnlySpan<byte> body = jpeg.Slice(offset + 4, length - 4);
            if (marker == 0xDA) break;
            // jdmarker.c examine_app0 / examine_app14: APP0_DATA_LEN 14, APP14_DATA_LEN 12.
            if (marker == 0xE0 && body.Length >= 14 && body.StartsWith("JFIF\0"u8)) jfif = true;
            else if (marker == 0xEE && body.Length >= 12 && body.StartsWith("Adobe"u8)) adobeTransform = body[11];
            else if (marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC) && body.Length >= 6 + (3 * 3) && body[5] == 3)
                rgbIds = body[6] == (byte)'R' && body[9] == (byte)'G' && body[12] == (byte)'B';
        }
        if (jfif) return false;
        if (adobeTransform >= 0) return adobeTransform == 0;
        return rgbIds;
    }

    /// <summary>
    /// The next marker segment at or after <paramref name="pos"/>: its marker byte, the offset of its FF and its length including the two
    /// marker bytes; <paramref name="pos"/> moves past it. False at EOI, at the end of the data, or at malformed structure.
    /// </summary>
    private static bool Next(ReadOnlySpan<byte> jpeg, ref int pos, out byte marker, out int offset, out int length)
    {
        marker = 0;
        offset = length = 0;
        while (pos + 4 <= jpeg.Length)
        {
            if (jpeg[pos] != 0xFF) return false;
            marker = jpeg[pos + 1];
            if (marker == 0xFF) { pos++; continue; } // fill byte
            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7)) { pos += 2; continue; } // no length
            if (marker == 0xD9) return false;
            int segment = BinaryPrimitives.ReadUInt16BigEndian(jpeg[(pos + 2)..]);
            if (segment < 2 || pos + 2 + segment > jpeg.Length) return false;
            offset = pos;
            length = segment + 2;
            pos += length;
            return true;
        }
        return false;
    }
}
