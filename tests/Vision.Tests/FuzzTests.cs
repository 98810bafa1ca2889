using System.Buffers.Binary;
using System.Diagnostics;
using Detserve.Vision.Png;

namespace Detserve.Vision.Tests;

/// <summary>
/// Parser hardening: random bytes, mutated valid PNG/BMP/JPEG files and every truncation of small valid files.
/// Only <see cref="ImageDecodeException"/> may escape (and never the "internal decoder error" wrapper that would mean
/// a decoder bug), each decode is quick, and memory stays bounded by the limits.
/// </summary>
public sealed class FuzzTests
{
    /// <summary>Tight limits so that mutated headers cannot make the fuzz loop allocate hundreds of megabytes.</summary>
    private static readonly ImageLimits FuzzLimits = new(MaxPixels: 1 << 20, MaxDimension: 1 << 14);

    private static void DecodeExpectingOnlyDecodeErrors(byte[] data, string what)
    {
        try
        {
            ImageDecoder.Decode(data, what, FuzzLimits);
        }
        catch (ImageDecodeException e)
        {
            Assert.DoesNotContain("internal decoder error", e.Message, StringComparison.Ordinal);
            Assert.StartsWith(what, e.Message, StringComparison.Ordinal);
        }
    }

    private static byte[] Fixture(string relative) => File.ReadAllBytes(Path.Combine(TestPaths.Images, relative));

    [Fact]
    public void Random_bytes_with_and_without_magic()
    {
        var random = new Random(1);
        byte[][] prefixes = [[], PngDecoder.Signature.ToArray(), "BM"u8.ToArray(), [0xFF, 0xD8, 0xFF]];
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 4000; i++)
        {
            byte[] prefix = prefixes[i % prefixes.Length];
            var data = new byte[prefix.Length + random.Next(0, 400)];
            random.NextBytes(data);
            prefix.CopyTo(data, 0);
            DecodeExpectingOnlyDecodeErrors(data, $"random#{i}");
        }
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"4000 random inputs took {watch.Elapsed}");
    }

    [Theory]
    [InlineData("png/ct0_d1_adam7.png", true)]
    [InlineData("png/ct3_d2.png", true)]
    [InlineData("png/ct6_d16_adam7.png", true)]
    [InlineData("png/ct0_d16.png", false)]
    [InlineData("png/exif_orientation_6.png", true)]
    [InlineData("png/ct2_d8_chunks.png", false)]
    public void Mutated_png(string fixture, bool fixCrcs)
    {
        byte[] original = Fixture(fixture);
        var random = new Random(fixture.Length * 7919);
        for (int i = 0; i < 600; i++)
        {
            byte[] data = Mutate(original, random);
            if (fixCrcs) FixPngCrcs(data);
            DecodeExpectingOnlyDecodeErrors(data, $"{fixture}~{i}");
        }
    }

    [Theory]
    [InlineData("bmp/rgb24.bmp")]
    [InlineData("bmp/p4.bmp")]
    [InlineData("bmp/p8_os2.bmp")]
    [InlineData("bmp/rgba32_bitfields_v5.bmp")]
    [InlineData("bmp/rgb565_bitfields.bmp")]
    [InlineData("bmp/rle8.bmp")]
    [InlineData("bmp/rle4.bmp")]
    public void Mutated_bmp(string fixture)
    {
        byte[] original = Fixture(fixture);
        var random = new Random(fixture.Length * 104729);
        for (int i = 0; i < 800; i++)
        {
            byte[] data = Mutate(original, random, headerBias: 128);
            DecodeExpectingOnlyDecodeErrors(data, $"{fixture}~{i}");
        }
    }

    [Theory]
    [InlineData("jpeg/rgb_420.jpg")]
    [InlineData("jpeg/rgb_420_progressive.jpg")]
    [InlineData("jpeg/rgb_420_exif_6.jpg")]
    [InlineData("jpeg/cmyk.jpg")]
    public void Mutated_jpeg(string fixture)
    {
        byte[] original = Fixture(fixture);
        var random = new Random(fixture.Length * 15485863);
        for (int i = 0; i < 300; i++)
        {
            byte[] data = Mutate(original, random, headerBias: 400);
            DecodeExpectingOnlyDecodeErrors(data, $"{fixture}~{i}");
        }
    }

    [Theory]
    [InlineData("png/ct3_d4_adam7.png")]
    [InlineData("png/ct2_d8_chunks.png")]
    [InlineData("bmp/p4.bmp")]
    [InlineData("bmp/rle8.bmp")]
    [InlineData("jpeg/grey.jpg")]
    public void Every_truncation_fails_cleanly_or_yields_the_full_image(string fixture)
    {
        byte[] original = Fixture(fixture);
        RgbImage full = ImageDecoder.Decode(original, fixture);
        for (int length = 0; length < original.Length; length++)
        {
            byte[] prefix = original[..length];
            try
            {
                RgbImage image = ImageDecoder.Decode(prefix, $"{fixture}[..{length}]", FuzzLimits);
                // Only data after the complete image may be cut (PNG trailing chunks, JPEG's EOI is not needed by
                // libjpeg when the scan data is complete) and then the pixels must be the full image's.
                Assert.True(full.Pixels.AsSpan().SequenceEqual(image.Pixels), $"{fixture} cut at {length} decoded to different pixels");
            }
            catch (ImageDecodeException e)
            {
                Assert.DoesNotContain("internal decoder error", e.Message, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Png_declaring_huge_dimensions_is_refused_before_allocating()
    {
        byte[] png = CraftPng(width: 60_000, height: 60_000, idatPayload: [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(png, "bomb.png"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("decompression bomb", e.Message, StringComparison.Ordinal);
        Assert.Contains("60000x60000", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Png_whose_data_cannot_fill_the_declared_size_is_refused_before_allocating()
    {
        // 10000 x 10000 is within the default limits, but 8 bytes of zlib cannot inflate to 300 MB.
        byte[] png = CraftPng(width: 10_000, height: 10_000, idatPayload: [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(png, "short.png"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Limits_apply_to_every_format()
    {
        var tiny = new ImageLimits(MaxPixels: 50);
        foreach (string f in new[] { "png/ct2_d8.png", "jpeg/rgb_420.jpg", "bmp/rgb24.bmp" })
        {
            var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.DecodeFile(Path.Combine(TestPaths.Images, f), tiny));
            Assert.Contains("above the limit of 50", e.Message, StringComparison.Ordinal);
            Assert.Contains(f.Replace('/', Path.DirectorySeparatorChar), e.Message, StringComparison.Ordinal);
        }
        var small = new ImageLimits(MaxEncodedBytes: 100);
        var e3 = Assert.Throws<ImageDecodeException>(() => ImageDecoder.DecodeFile(Path.Combine(TestPaths.Images, "png/ct2_d8.png"), small));
        Assert.Contains("above the limit of 100", e3.Message, StringComparison.Ordinal);
        Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(new byte[101], "big", small));
        var narrow = new ImageLimits(MaxDimension: 12);
        Assert.Throws<ImageDecodeException>(() => ImageDecoder.DecodeFile(Path.Combine(TestPaths.Images, "png/ct2_d8.png"), narrow));
    }

    [Fact]
    public void Compressed_text_bomb_is_refused_at_Pillows_MAX_TEXT_CHUNK()
    {
        byte[] png = Fixture("png/ct2_d8.png");
        using var deflated = new MemoryStream();
        using (var z = new System.IO.Compression.ZLibStream(deflated, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
            z.Write(new byte[2 * 1024 * 1024]);
        using var chunk = new MemoryStream();
        WriteChunk(chunk, "zTXt"u8, [.. "XML:com.adobe.xmp\0\0"u8, .. deflated.ToArray()]);
        const int AfterIhdr = 8 + 25;
        byte[] bomb = [.. png[..AfterIhdr], .. chunk.ToArray(), .. png[AfterIhdr..]];
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(bomb, "ztxt.png"));
        Assert.Contains("MAX_TEXT_CHUNK", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_crc_before_image_data_is_an_error_and_names_the_chunk()
    {
        byte[] png = Fixture("png/ct2_d8.png");
        png[8 + 8 + 2] ^= 0x01; // a bit of IHDR's width
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(png, "crc.png"));
        Assert.Contains("bad CRC in chunk 'IHDR'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_format_and_missing_file_are_decode_errors()
    {
        var e1 = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode("GIF89a......"u8, "anim.gif"));
        Assert.Contains("cannot identify image file", e1.Message, StringComparison.Ordinal);
        string missing = Path.Combine(Path.GetTempPath(), "detserve-vision-no-such-file.png");
        var e2 = Assert.Throws<ImageDecodeException>(() => ImageDecoder.DecodeFile(missing));
        Assert.StartsWith(missing, e2.Message, StringComparison.Ordinal);
    }

    /// <summary>1-4 byte flips, a byte run overwritten, an insertion or a deletion; biased toward the header.</summary>
    private static byte[] Mutate(byte[] original, Random random, int headerBias = 64)
    {
        byte[] data = (byte[])original.Clone();
        int Position() => random.Next(2) == 0 ? random.Next(Math.Min(headerBias, data.Length)) : random.Next(data.Length);
        switch (random.Next(5))
        {
            case 0:
            case 1:
                for (int k = random.Next(1, 5); k > 0; k--) data[Position()] ^= (byte)(1 << random.Next(8));
                return data;
            case 2:
                {
                    int p = Position();
                    byte[] values = [0x00, 0xFF, 0x7F, 0x80, 0xFE];
                    for (int k = 0; k < 4 && p + k < data.Length; k++) data[p + k] = values[random.Next(values.Length)];
                    return data;
                }
            case 3:
                {
                    int p = Position();
                    var inserted = new byte[random.Next(1, 16)];
                    random.NextBytes(inserted);
                    return [.. data[..p], .. inserted, .. data[p..]];
                }
            default:
                {
                    int p = Position();
                    int n = Math.Min(random.Next(1, 16), data.Length - p);
                    return [.. data[..p], .. data[(p + n)..]];
                }
        }
    }

    /// <summary>Recomputes every chunk CRC so mutations reach the chunk parsers instead of failing the CRC check.</summary>
    private static void FixPngCrcs(byte[] data)
    {
        int pos = 8;
        while (pos + 12 <= data.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(pos));
            if (length > (uint)(data.Length - pos - 12)) return;
            uint crc = Crc32.Update(0, data.AsSpan(pos + 4, 4 + (int)length));
            BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(pos + 8 + (int)length), crc);
            pos += 12 + (int)length;
        }
    }

    private static byte[] CraftPng(int width, int height, byte[] idatPayload)
    {
        using var ms = new MemoryStream();
        ms.Write(PngDecoder.Signature);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = 2;
        WriteChunk(ms, "IHDR"u8, ihdr);
        WriteChunk(ms, "IDAT"u8, idatPayload);
        WriteChunk(ms, "IEND"u8, []);
        return ms.ToArray();
    }

    private static void WriteChunk(Stream s, ReadOnlySpan<byte> type, ReadOnlySpan<byte> body)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, body.Length);
        s.Write(word);
        s.Write(type);
        s.Write(body);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Update(Crc32.Update(0, type), body));
        s.Write(word);
    }
}
