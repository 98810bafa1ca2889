using System.Globalization;
using System.Security.Cryptography;

namespace Detserve.Vision.Tests;

/// <summary>
/// The 12 golden shapes_test PNGs decode to Pillow's RGB bytes, and resize at Detectron2's shipped test size
/// (800 / 1333) to Pillow's bytes; the SHA-256 digests were computed with Pillow 9.4 by tests/Fixtures/images/generate.py.
/// </summary>
public sealed class GoldenImageTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (string[] f in TestPaths.Manifest("golden_shapes_rgb_sha256.tsv")) data.Add(f[0]);
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Decodes_and_resizes_like_Pillow(string file)
    {
        string[] e = TestPaths.Manifest("golden_shapes_rgb_sha256.tsv").Single(f => f[0] == file);
        RgbImage image = ImageDecoder.DecodeFile(Path.Combine(TestPaths.Golden, "shapes_test", file));
        Assert.Equal((Parse(e[1]), Parse(e[2])), (image.Width, image.Height));
        Assert.Equal(e[3], Convert.ToHexStringLower(SHA256.HashData(image.Pixels)));

        (int newH, int newW) = ResizeShortestEdge.GetOutputShape(image.Height, image.Width, 800, 1333);
        Assert.Equal((Parse(e[4]), Parse(e[5])), (newW, newH));
        RgbImage resized = PillowResize.Bilinear(image, newW, newH);
        Assert.Equal(e[6], Convert.ToHexStringLower(SHA256.HashData(resized.Pixels)));
    }

    private static int Parse(string s) => int.Parse(s, CultureInfo.InvariantCulture);
}
