using System.Globalization;
using System.Text.Json;

namespace Detserve.Vision.Tests;

/// <summary>
/// ResizeShortestEdge and Pillow's bilinear resize against Detectron2's own resized stage images and against
/// Pillow 9.4 outputs for shrink and enlarge factors on either axis.
/// </summary>
public sealed class ResizeTests
{
    [Theory]
    [InlineData("t10_256x256")]
    [InlineData("t04_96x64")]
    public void Golden_stage_image_resizes_byte_equal_to_Detectron2(string stem)
    {
        string stageDir = Path.Combine(TestPaths.Golden, "reference", "mask_rcnn_R_50_FPN_narrow", "stages", stem);
        using JsonDocument meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(stageDir, "meta.json")));
        int minSize = meta.RootElement.GetProperty("INPUT.MIN_SIZE_TEST").GetInt32();
        int maxSize = meta.RootElement.GetProperty("INPUT.MAX_SIZE_TEST").GetInt32();
        int[] resizedHw = meta.RootElement.GetProperty("resized_hw").EnumerateArray().Select(e => e.GetInt32()).ToArray();

        RgbImage original = ImageDecoder.DecodeFile(Path.Combine(TestPaths.Golden, "shapes_test", stem + ".png"));
        (int newH, int newW) = ResizeShortestEdge.GetOutputShape(original.Height, original.Width, minSize, maxSize);
        Assert.Equal((resizedHw[0], resizedHw[1]), (newH, newW));

        // Detectron2 resizes the BGR array; the filter is per channel, so BGR in gives BGR out.
        byte[] bgr = original.ToBgrBytes();
        byte[] resized = PillowResize.Bilinear(bgr, original.Width, original.Height, newW, newH);

        NpyArray expected = NpyArray.Read(Path.Combine(stageDir, "resized_bgr_uint8.npy"));
        Assert.Equal("|u1", expected.Descr);
        Assert.Equal(new[] { newH, newW, 3 }, expected.Shape);
        int mismatch = FixtureDecodeTests.FirstMismatch(expected.Data, resized);
        Assert.True(mismatch < 0, $"{stem}: first differing byte {mismatch}");
    }

    public static TheoryData<int, int> PillowTargets()
    {
        var data = new TheoryData<int, int>();
        foreach (string[] f in TestPaths.Manifest("resize.tsv"))
            data.Add(int.Parse(f[3], CultureInfo.InvariantCulture), int.Parse(f[4], CultureInfo.InvariantCulture));
        return data;
    }

    [Theory]
    [MemberData(nameof(PillowTargets))]
    public void Bilinear_equals_Pillow_for_shrink_and_enlarge(int newWidth, int newHeight)
    {
        string[] entry = TestPaths.Manifest("resize.tsv").Single(f => f[3] == newWidth.ToString(CultureInfo.InvariantCulture) && f[4] == newHeight.ToString(CultureInfo.InvariantCulture));
        var source = new RgbImage(41, 29, File.ReadAllBytes(Path.Combine(TestPaths.Images, entry[0])));
        byte[] expected = File.ReadAllBytes(Path.Combine(TestPaths.Images, entry[5]));

        RgbImage resized = PillowResize.Bilinear(source, newWidth, newHeight);

        Assert.Equal((newWidth, newHeight), (resized.Width, resized.Height));
        int mismatch = FixtureDecodeTests.FirstMismatch(expected, resized.Pixels);
        Assert.True(mismatch < 0, $"{newWidth}x{newHeight}: first differing byte {mismatch}: expected {(mismatch >= 0 ? expected[mismatch] : 0)}, got {(mismatch >= 0 ? resized.Pixels[mismatch] : 0)}");
    }

    [Fact]
    public void Constant_image_stays_constant_at_any_factor()
    {
        var pixels = new byte[37 * 23 * 3];
        for (int i = 0; i < pixels.Length; i += 3)
        {
            pixels[i] = 200;
            pixels[i + 1] = 17;
            pixels[i + 2] = 255;
        }
        var source = new RgbImage(37, 23, pixels);
        foreach ((int w, int h) in new[] { (1, 1), (5, 3), (36, 22), (38, 24), (74, 46), (300, 7) })
        {
            RgbImage r = PillowResize.Bilinear(source, w, h);
            for (int i = 0; i < r.Pixels.Length; i += 3)
                Assert.True(r.Pixels[i] == 200 && r.Pixels[i + 1] == 17 && r.Pixels[i + 2] == 255, $"{w}x{h}: pixel {i / 3} changed");
        }
    }

    [Fact]
    public void Same_size_is_a_copy()
    {
        var source = new RgbImage(2, 1, [1, 2, 3, 4, 5, 6]);
        RgbImage r = PillowResize.Bilinear(source, 2, 1);
        Assert.Equal(source.Pixels, r.Pixels);
        Assert.NotSame(source.Pixels, r.Pixels);
    }

    [Theory]
    // Detectron2 test-time defaults (800, 1333) on common shapes; values from get_output_shape's float arithmetic.
    [InlineData(480, 640, 800, 1333, 800, 1067)]
    [InlineData(427, 640, 800, 1333, 800, 1199)]
    [InlineData(640, 427, 800, 1333, 1199, 800)]
    [InlineData(300, 500, 800, 1333, 800, 1333)]
    [InlineData(768, 1024, 800, 1333, 800, 1067)]
    [InlineData(100, 1000, 800, 1333, 133, 1333)]
    [InlineData(256, 256, 120, 1333, 120, 120)]
    [InlineData(64, 96, 120, 1333, 120, 180)]
    [InlineData(512, 512, 800, 1333, 800, 800)]
    [InlineData(333, 500, 800, 1333, 800, 1201)]
    [InlineData(10, 10, 0, 1333, 10, 10)]
    public void GetOutputShape_matches_Detectron2(int h, int w, int shortEdge, int maxSize, int expectedH, int expectedW)
    {
        Assert.Equal((expectedH, expectedW), ResizeShortestEdge.GetOutputShape(h, w, shortEdge, maxSize));
    }
}
