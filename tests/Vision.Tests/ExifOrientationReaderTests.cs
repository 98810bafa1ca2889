using System.Buffers.Binary;
using Detserve.Vision.Exif;

namespace Detserve.Vision.Tests;

/// <summary>The TIFF/IFD0 reader on hand-built and hostile payloads (Pillow's behaviour is in the PNG/JPEG fixtures).</summary>
public sealed class ExifOrientationReaderTests
{
    private static byte[] Tiff(bool little, params (ushort Tag, ushort Type, uint Count, uint Value)[] entries)
    {
        var b = new byte[8 + 2 + (entries.Length * 12) + 4];
        (little ? "II*\0"u8 : "MM\0*"u8).CopyTo(b);
        void U16(int at, ushort v) { if (little) BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at), v); else BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(at), v); }
        void U32(int at, uint v) { if (little) BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), v); else BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(at), v); }
        U32(4, 8);
        U16(8, (ushort)entries.Length);
        for (int i = 0; i < entries.Length; i++)
        {
            int at = 10 + (i * 12);
            U16(at, entries[i].Tag);
            U16(at + 2, entries[i].Type);
            U32(at + 4, entries[i].Count);
            if (entries[i].Type == 3) U16(at + 8, (ushort)entries[i].Value);
            else U32(at + 8, entries[i].Value);
        }
        return b;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Reads_short_orientation_in_either_byte_order(bool little)
    {
        for (ushort o = 1; o <= 8; o++)
            Assert.Equal(ExifOrientation.Present(o), ExifOrientationReader.Read(Tiff(little, (0x0112, 3, 1, o))));
    }

    [Fact]
    public void Later_duplicate_wins_and_other_tags_are_skipped()
    {
        byte[] t = Tiff(true, (0x0112, 3, 1, 3), (0x010F, 2, 3, 0x00616263), (0x0112, 3, 1, 6));
        Assert.Equal(ExifOrientation.Present(6), ExifOrientationReader.Read(t));
    }

    [Fact]
    public void Presence_without_a_usable_value()
    {
        Assert.Equal(ExifOrientation.Present(0), ExifOrientationReader.Read(Tiff(true, (0x0112, 3, 1, 9))));
        Assert.Equal(ExifOrientation.Present(0), ExifOrientationReader.Read(Tiff(true, (0x0112, 3, 2, 6)))); // a pair is a tuple in Pillow
        Assert.Equal(ExifOrientation.Absent, ExifOrientationReader.Read(Tiff(true, (0x0112, 99, 1, 6)))); // unknown type skipped
        Assert.Equal(ExifOrientation.Absent, ExifOrientationReader.Read(Tiff(true, (0x0112, 3, 0, 6)))); // no data stored
    }

    [Fact]
    public void Prefixes_and_broken_headers()
    {
        byte[] tiff = Tiff(true, (0x0112, 3, 1, 8));
        Assert.Equal(ExifOrientation.Present(8), ExifOrientationReader.Read([.. "Exif\0\0"u8, .. tiff]));
        Assert.Equal(ExifOrientation.NotTiff, ExifOrientationReader.Read([.. "Exif\0X"u8, .. tiff]));
        Assert.Equal(ExifOrientation.NotTiff, ExifOrientationReader.Read("II*"u8));
        Assert.Equal(ExifOrientation.Absent, ExifOrientationReader.Read([]));
        Assert.Equal(ExifOrientation.Absent, ExifOrientationReader.Read("Exif\0\0"u8));
        byte[] farIfd = (byte[])tiff.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(farIfd.AsSpan(4), 0xFFFFFFF0);
        Assert.Equal(ExifOrientation.Absent, ExifOrientationReader.Read(farIfd));
    }

    [Fact]
    public void Random_and_mutated_payloads_never_throw()
    {
        var random = new Random(3);
        byte[] valid = Tiff(false, (0x0112, 3, 1, 6), (0x010F, 2, 40, 26), (0x8769, 4, 1, 0));
        for (int i = 0; i < 20000; i++)
        {
            byte[] data;
            if ((i & 1) == 0)
            {
                data = new byte[random.Next(0, 64)];
                random.NextBytes(data);
                if (data.Length >= 4 && random.Next(2) == 0) "MM\0*"u8.CopyTo(data);
            }
            else
            {
                data = (byte[])valid.Clone();
                for (int k = random.Next(1, 4); k > 0; k--) data[random.Next(data.Length)] = (byte)random.Next(256);
                if (random.Next(3) == 0) data = data[..random.Next(data.Length)];
            }
            ExifOrientation r = ExifOrientationReader.Read(data);
            Assert.InRange(r.Value, 0, 8);
        }
    }
}
