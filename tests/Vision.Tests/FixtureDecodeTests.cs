namespace Detserve.Vision.Tests;

/// <summary>
/// Every file under tests/Fixtures/images (made by generate.py beside them) decodes to exactly the bytes Pillow 9.4
/// gives for detectron2's read_image: all PNG colour types, bit depths and Adam7, palettes short or missing,
/// transparency, EXIF orientations, JPEG subsamplings / progressive / grey / CMYK, BMP variants.
/// </summary>
public sealed class FixtureDecodeTests
{
    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (string[] f in TestPaths.Manifest("manifest.tsv")) data.Add(f[0]);
        return data;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Decodes_like_Pillow(string relativePath)
    {
        string[] entry = TestPaths.Manifest("manifest.tsv").Single(f => f[0] == relativePath);
        int width = int.Parse(entry[1], System.Globalization.CultureInfo.InvariantCulture);
        int height = int.Parse(entry[2], System.Globalization.CultureInfo.InvariantCulture);
        byte[] expected = File.ReadAllBytes(Path.Combine(TestPaths.Images, entry[3]));

        RgbImage image = ImageDecoder.DecodeFile(Path.Combine(TestPaths.Images, relativePath));

        Assert.Equal((width, height), (image.Width, image.Height));
        int mismatch = FirstMismatch(expected, image.Pixels);
        Assert.True(mismatch < 0, $"{relativePath}: first differing byte {mismatch} (pixel {mismatch / 3}, x {mismatch / 3 % Math.Max(1, width)}, y {mismatch / 3 / Math.Max(1, width)}): expected {(mismatch >= 0 ? expected[mismatch] : 0)}, got {(mismatch >= 0 ? image.Pixels[mismatch] : 0)}");
    }

    internal static int FirstMismatch(byte[] expected, byte[] actual)
    {
        if (expected.Length != actual.Length) return Math.Min(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] != actual[i]) return i;
        }
        return -1;
    }
}
