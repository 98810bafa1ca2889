using Detserve.Runtime.Cuda;
using Detserve.Vision;

namespace Detserve.Runtime.Tests;

/// <summary>
/// The host half of the GPU JPEG path, which runs without a GPU: the EXIF orientation as Vision reads it, the
/// orientation kernel's index table against Vision's ExifTranspose, and the marker walk that sends truncated files to the host decoder.
/// </summary>
public sealed class GpuJpegHostCheckTests
{
    [Theory]
    [InlineData("rgb_420", 1)]
    [InlineData("rgb_444", 1)]
    [InlineData("grey", 1)]
    [InlineData("rgb_420_progressive", 1)]
    [InlineData("rgb_420_exif_3", 3)]
    [InlineData("rgb_420_exif_6", 6)]
    [InlineData("rgb_420_exif_8", 8)]
    public void Orientation_OfTheFixtures(string name, int expected)
    {
        byte[] jpeg = Fixtures.Jpeg(name);
        Assert.Equal(expected, ImageDecoder.ReadJpegOrientation(jpeg));
        // 37x29 as stored; Vision's decode is the oriented size.
        RgbImage decoded = ImageDecoder.Decode(jpeg, name);
        Assert.Equal(ExifOrientOp.OrientedSize(37, 29, expected), (decoded.Width, decoded.Height));
    }

    public static TheoryData<int, bool> Orientations()
    {
        var data = new TheoryData<int, bool>();
        for (int value = 0; value <= 9; value++)
        {
            data.Add(value, false);
            data.Add(value, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Orientations))]
    public void Orientation_AndKernelTable_GiveVisionsOrientedPixels(int value, bool bigEndian)
    {
        byte[] plain = Fixtures.Jpeg("rgb_444");
        byte[] tagged = ExifJpeg.WithOrientation(plain, value, bigEndian);
        int orientation = ImageDecoder.ReadJpegOrientation(tagged);
        Assert.Equal(value is >= 2 and <= 8 ? value : 1, orientation);

        RgbImage stored = ImageDecoder.Decode(plain, "plain.jpg");
        RgbImage expected = ImageDecoder.Decode(tagged, "tagged.jpg");
        (int width, int height) = ExifOrientOp.OrientedSize(stored.Width, stored.Height, orientation);
        Assert.Equal((expected.Width, expected.Height), (width, height));
        var actual = new byte[expected.Pixels.Length];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                (int sx, int sy) = ExifOrientOp.SourceOf(x, y, stored.Width, stored.Height, orientation);
                stored.Pixels.AsSpan(((sy * stored.Width) + sx) * 3, 3).CopyTo(actual.AsSpan(((y * width) + x) * 3));
            }
        }
        Assert.Equal(expected.Pixels, actual);
    }

    [Fact]
    public void MalformedSegments_BeforeTheExif_SendTheFileToTheHostDecoder()
    {
        // A stray byte between the first segment and the APP1 ends Vision's segment walk (no orientation), and TurboJPEG refuses the
        // header ("extraneous bytes"). The GPU path must not decode what the host refuses: the walk finds no complete scan, so
        // GpuJpegDecoder.Inspect hands the file to the host decoder, which names the problem.
        byte[] plain = Fixtures.Jpeg("rgb_444");
        Assert.Equal(0xE0, plain[3]);
        int first = 4 + ((plain[4] << 8) | plain[5]);
        byte[] tagged = ExifJpeg.WithOrientation([.. plain.AsSpan(first - 2)], 6);
        byte[] ordered = [.. plain.AsSpan(0, first), .. tagged.AsSpan(2)];
        byte[] stray = [.. plain.AsSpan(0, first), 0x00, .. tagged.AsSpan(2)];
        Assert.Equal(6, ImageDecoder.ReadJpegOrientation(ordered));
        Assert.True(JpegMarkers.HasEndOfImage(ordered));
        Assert.Equal(1, ImageDecoder.ReadJpegOrientation(stray));
        Assert.False(JpegMarkers.HasEndOfImage(stray));
        Assert.StartsWith("stray.jpg: JPEG header:", Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(stray, "stray.jpg")).Message,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rgb_420")]
    [InlineData("rgb_420_progressive")]
    [InlineData("rgb_420_exif_6")]
    public void EndOfImage_OnlyTheWholeFileHasOne(string name)
    {
        byte[] jpeg = Fixtures.Jpeg(name);
        Assert.True(JpegMarkers.HasEndOfImage(jpeg));
        Assert.True(JpegMarkers.HasEndOfImage([.. jpeg, 0x00, 0x12, 0x34]));
        for (int length = 0; length < jpeg.Length; length++)
            Assert.False(JpegMarkers.HasEndOfImage(jpeg.AsSpan(0, length)), $"{name} cut to {length} of {jpeg.Length} bytes");
    }

    [Fact]
    public void EndOfImage_InAnExifThumbnailDoesNotCount()
    {
        // An EXIF block may carry a whole thumbnail JPEG, EOI included; a file cut inside its own scan still has no EOI after SOS.
        byte[] jpeg = Fixtures.Jpeg("rgb_420");
        byte[] tagged = ExifJpeg.WithOrientation(jpeg, 6, trailer: jpeg);
        Assert.Equal(6, ImageDecoder.ReadJpegOrientation(tagged));
        Assert.True(JpegMarkers.HasEndOfImage(tagged));
        Assert.False(JpegMarkers.HasEndOfImage(tagged.AsSpan(0, tagged.Length - 10)));
    }

    [Fact]
    public void StoresRgb_FollowsLibjpegsColourSpaceGuess()
    {
        byte[] jfif = Fixtures.Jpeg("rgb_444");
        Assert.Equal(0xE0, jfif[3]);
        byte[] bare = [.. jfif.AsSpan(0, 2), .. jfif.AsSpan(4 + ((jfif[4] << 8) | jfif[5]))];
        byte[] Adobe(byte transform) => [.. bare.AsSpan(0, 2), 0xFF, 0xEE, 0x00, 0x0E, .. "Adobe"u8, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, transform, .. bare.AsSpan(2)];
        byte[] RgbIds(byte[] jpeg)
        {
            byte[] copy = [.. jpeg];
            int sof = copy.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
            Assert.Equal(3, copy[sof + 9]);
            (copy[sof + 10], copy[sof + 13], copy[sof + 16]) = ((byte)'R', (byte)'G', (byte)'B');
            return copy;
        }

        Assert.False(JpegMarkers.StoresRgb(jfif)); // JFIF: YCbCr
        Assert.False(JpegMarkers.StoresRgb(bare)); // component ids 1, 2, 3: YCbCr
        Assert.True(JpegMarkers.StoresRgb(Adobe(0)));
        Assert.False(JpegMarkers.StoresRgb(Adobe(1)));
        Assert.True(JpegMarkers.StoresRgb(RgbIds(bare)));
        Assert.False(JpegMarkers.StoresRgb(RgbIds(jfif))); // JFIF wins over the ids
        Assert.False(JpegMarkers.StoresRgb(RgbIds(Adobe(1)))); // and so does the Adobe flag
    }
}
