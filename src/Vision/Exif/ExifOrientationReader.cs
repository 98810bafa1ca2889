using System.Buffers.Binary;

namespace Detserve.Vision.Exif;

/// <summary>
/// Finds the Orientation tag (0x0112) in IFD0 of an EXIF TIFF block, the way Pillow 9.4's <c>Image.getexif()</c>
/// does before detectron2's <c>_apply_exif_orientation</c> looks it up.
/// <code>
///  offset 0  "II*\0" or "MM\0*" (Pillow also accepts "MM*\0" and "II\0*": TiffImagePlugin.PREFIXES)
///         4  uint32 offset of IFD0
///  IFD    uint16 entry count, then count x 12 bytes: uint16 tag, uint16 type, uint32 count, 4 bytes value-or-offset
/// </code>
/// Pillow reads entries in order and stops quietly at the first truncated one (ImageFileDirectory_v2.load catches
/// OSError), keeping what it read; so does this reader. A payload that is not TIFF at all makes Pillow's getexif raise,
/// which detectron2 catches: no orientation, and (for PNG) no XMP fallback either. Nothing here throws.
/// </summary>
internal static class ExifOrientationReader
{
    private const ushort OrientationTag = 0x0112;

    /// <summary>What Pillow's Exif would say about the Orientation tag of this payload.</summary>
    /// <param name="exif">The EXIF payload: a TIFF block, optionally preceded by "Exif\0\0" (Pillow's Exif.load strips it).</param>
    public static ExifOrientation Read(ReadOnlySpan<byte> exif)
    {
        ReadOnlySpan<byte> prefix = "Exif\0\0"u8;
        if (exif.StartsWith(prefix)) exif = exif[prefix.Length..];
        if (exif.Length == 0) return ExifOrientation.Absent; // Exif.load: "if not data: self._info = None"
        if (exif.Length < 8) return ExifOrientation.NotTiff;
        bool little;
        if (exif[0] == (byte)'I' && exif[1] == (byte)'I') little = true;
        else if (exif[0] == (byte)'M' && exif[1] == (byte)'M') little = false;
        else return ExifOrientation.NotTiff;
        if (!((exif[2] == 0x2A && exif[3] == 0) || (exif[2] == 0 && exif[3] == 0x2A))) return ExifOrientation.NotTiff;

        uint ifdOffset = ReadUInt32(exif[4..], little);
        if (ifdOffset > (uint)exif.Length - 2) return ExifOrientation.Absent; // the IFD read fails quietly
        int pos = (int)ifdOffset;
        int entryCount = ReadUInt16(exif[pos..], little);
        pos += 2;
        ExifOrientation orientation = ExifOrientation.Absent;
        for (int e = 0; e < entryCount; e++, pos += 12)
        {
            if (pos > exif.Length - 12) break;
            ReadOnlySpan<byte> entry = exif.Slice(pos, 12);
            ushort tag = ReadUInt16(entry, little);
            ushort type = ReadUInt16(entry[2..], little);
            uint count = ReadUInt32(entry[4..], little);
            int unit = UnitSize(type);
            if (unit == 0) continue; // Pillow warns about an unknown type and skips the entry
            ulong size = (ulong)count * (ulong)unit;
            ReadOnlySpan<byte> value;
            if (size == 0) continue; // "if not data: continue": a zero count stores nothing
            if (size > 4)
            {
                uint offset = ReadUInt32(entry[8..], little);
                // Pillow's _safe_read raises OSError past the end: the rest of the IFD is not read.
                if (offset > (ulong)exif.Length || size > (ulong)exif.Length - offset) break;
                value = exif.Slice((int)offset, (int)size);
            }
            else
            {
                value = entry.Slice(8, (int)size);
            }
            // A later duplicate replaces an earlier one, as in Pillow's tag dictionary.
            if (tag == OrientationTag)
                orientation = ExifOrientation.Present(count == 1 ? IntegralValue(type, value, little) : 0);
        }
        return orientation;
    }

    /// <summary>
    /// The value as Python would compare it with the dict keys 2..8 in _apply_exif_orientation: integers directly,
    /// and (since hash(6.0) == hash(Fraction(6)) == hash(6)) floats and rationals that equal an integer.
    /// </summary>
    private static int IntegralValue(ushort type, ReadOnlySpan<byte> v, bool little)
    {
        switch (type)
        {
            case 1: return v[0]; // BYTE
            case 6: return (sbyte)v[0]; // SBYTE
            case 3: return ReadUInt16(v, little); // SHORT
            case 8: return (short)ReadUInt16(v, little); // SSHORT
            case 4: return ClampToInt(ReadUInt32(v, little)); // LONG
            case 9: return (int)ReadUInt32(v, little); // SLONG
            case 5: // RATIONAL
            case 10: // SRATIONAL
                {
                    long num = type == 5 ? ReadUInt32(v, little) : (int)ReadUInt32(v, little);
                    long den = type == 5 ? ReadUInt32(v[4..], little) : (int)ReadUInt32(v[4..], little);
                    return den != 0 && num % den == 0 ? ClampToInt(num / den) : 0;
                }
            case 11: // FLOAT
                {
                    float f = little ? BinaryPrimitives.ReadSingleLittleEndian(v) : BinaryPrimitives.ReadSingleBigEndian(v);
                    return f == MathF.Floor(f) && Math.Abs(f) < 16 ? (int)f : 0;
                }
            case 12: // DOUBLE
                {
                    double d = little ? BinaryPrimitives.ReadDoubleLittleEndian(v) : BinaryPrimitives.ReadDoubleBigEndian(v);
                    return d == Math.Floor(d) && Math.Abs(d) < 16 ? (int)d : 0;
                }
            default:
                return 0; // ASCII, UNDEFINED, IFD, LONG8: not a number Python would match
        }
    }

    private static int ClampToInt(long v) => v is > int.MaxValue or < int.MinValue ? 0 : (int)v;

    /// <summary>Bytes per value of a TIFF field type (TIFF 6.0 section 2; 13 = IFD, 16 = LONG8 as in Pillow's TYPES), 0 if unknown.</summary>
    private static int UnitSize(ushort type) => type switch
    {
        1 or 2 or 6 or 7 => 1,
        3 or 8 => 2,
        4 or 9 or 11 or 13 => 4,
        5 or 10 or 12 or 16 => 8,
        _ => 0,
    };

    private static ushort ReadUInt16(ReadOnlySpan<byte> b, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(b) : BinaryPrimitives.ReadUInt16BigEndian(b);

    private static uint ReadUInt32(ReadOnlySpan<byte> b, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt32BigEndian(b);
}
