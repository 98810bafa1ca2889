using System.Buffers.Binary;

namespace Detserve.Tests.Shared;

/// <summary>
/// Test JPEGs with an EXIF Orientation tag: an APP1 "Exif\0\0" segment holding a TIFF block whose IFD0 has the one entry
/// 0x0112 SHORT = value (TIFF 6.0 section 2), inserted right after SOI, little- or big-endian.
/// </summary>
internal static class ExifJpeg
{
    /// <summary>
    /// <paramref name="jpeg"/> with an Orientation = <paramref name="orientation"/> segment after its SOI; <paramref name="trailer"/> is
    /// appended inside the segment after the TIFF block (where a camera puts its thumbnail JPEG).
    /// </summary>
    public static byte[] WithOrientation(byte[] jpeg, int orientation, bool bigEndian = false, byte[]? trailer = null)
    {
        var tiff = new byte[8 + 2 + 12 + 4];
        if (bigEndian)
        {
            "MM\0*"u8.CopyTo(tiff);
            BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(4), 8);
            BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(8), 1);
            BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(10), 0x0112);
            BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(12), 3);
            BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(14), 1);
            BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(18), (ushort)orientation);
        }
        else
        {
            "II*\0"u8.CopyTo(tiff);
            BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 8);
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(8), 1);
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(10), 0x0112);
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(12), 3);
            BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(14), 1);
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(18), (ushort)orientation);
        }
        byte[] body = [.. "Exif\0\0"u8, .. tiff, .. trailer ?? []];
        var segment = new byte[4 + body.Length];
        segment[0] = 0xFF;
        segment[1] = 0xE1;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(body.Length + 2));
        body.CopyTo(segment, 4);
        return [.. jpeg.AsSpan(0, 2), .. segment, .. jpeg.AsSpan(2)];
    }
}
