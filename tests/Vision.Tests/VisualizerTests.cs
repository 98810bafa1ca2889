using System.Globalization;
using System.Text.Json;

namespace Detserve.Vision.Tests;

/// <summary>Renders Detectron2's own detections of a golden image and checks what was and was not painted.</summary>
public sealed class VisualizerTests
{
    private static readonly string[] ClassNames = ["ellipse", "rectangle", "triangle"];

    private static (RgbImage Image, List<VisualDetection> Detections) GoldenScene(string file)
    {
        RgbImage image = ImageDecoder.DecodeFile(Path.Combine(TestPaths.Golden, "shapes_test", file));
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Golden, "reference", "mask_rcnn_R_50_FPN_narrow", "detections.json")));
        JsonElement entry = doc.RootElement.GetProperty("images").EnumerateArray().Single(e => e.GetProperty("file_name").GetString() == file);
        var detections = new List<VisualDetection>();
        JsonElement[] boxes = entry.GetProperty("boxes_xyxy").EnumerateArray().ToArray();
        JsonElement[] scores = entry.GetProperty("scores").EnumerateArray().ToArray();
        JsonElement[] classes = entry.GetProperty("classes").EnumerateArray().ToArray();
        JsonElement[] masks = entry.GetProperty("masks_rle").EnumerateArray().ToArray();
        for (int i = 0; i < boxes.Length && scores[i].GetDouble() >= 0.5; i++)
        {
            float[] b = boxes[i].EnumerateArray().Select(v => v.GetSingle()).ToArray();
            int cls = classes[i].GetInt32();
            string label = string.Create(CultureInfo.InvariantCulture, $"{ClassNames[cls]} {scores[i].GetDouble() * 100:0}%");
            BinaryMask mask = CocoRleText.Decode(masks[i].GetProperty("counts").GetString()!, image.Height, image.Width);
            detections.Add(new VisualDetection(b[0], b[1], b[2], b[3], label, i, mask));
        }
        return (image, detections);
    }

    [Fact]
    public void Draws_boxes_masks_and_labels_and_leaves_the_rest()
    {
        (RgbImage image, List<VisualDetection> detections) = GoldenScene("t11_800x600.png");
        Assert.NotEmpty(detections);
        byte[] before = (byte[])image.Pixels.Clone();

        RgbImage drawn = Visualizer.Draw(image, detections);

        Assert.Equal(before, image.Pixels); // the input is untouched
        File.WriteAllBytes(Path.Combine(Path.GetTempPath(), "detserve_vision_t11_visualized.png"), PngEncoder.Encode(drawn));

        // Pixels away from every box, mask and label are unchanged; mask interiors are painted.
        int w = image.Width, h = image.Height;
        var nearBox = new bool[w * h];
        var interior = new bool[w * h];
        foreach (VisualDetection d in detections)
        {
            // labels may run right of a small box, or sit below it
            for (int y = Math.Max(0, (int)d.Y1 - 8); y <= Math.Min(h - 1, (int)d.Y2 + 40); y++)
            {
                for (int x = Math.Max(0, (int)d.X1 - 8); x <= Math.Min(w - 1, (int)d.X2 + 150); x++) nearBox[(y * w) + x] = true;
            }
            BinaryMask m = d.Mask!;
            for (int y = 1; y < h - 1; y++)
            {
                for (int x = 1; x < w - 1; x++)
                {
                    if (m.IsSet(x, y) && m.IsSet(x - 1, y) && m.IsSet(x + 1, y) && m.IsSet(x, y - 1) && m.IsSet(x, y + 1)) interior[(y * w) + x] = true;
                }
            }
        }
        int changedOutside = 0, unchangedInsideMasks = 0, maskInterior = 0;
        for (int p = 0; p < w * h; p++)
        {
            int i = p * 3;
            bool changed = drawn.Pixels[i] != before[i] || drawn.Pixels[i + 1] != before[i + 1] || drawn.Pixels[i + 2] != before[i + 2];
            if (!nearBox[p] && changed) changedOutside++;
            if (interior[p])
            {
                maskInterior++;
                if (!changed) unchangedInsideMasks++;
            }
        }
        Assert.Equal(0, changedOutside);
        Assert.True(maskInterior > 1000, $"only {maskInterior} mask interior pixels");
        // Blending at 0.5 can leave a pixel equal only where it already had the instance colour.
        Assert.True(unchangedInsideMasks < maskInterior / 100, $"{unchangedInsideMasks} of {maskInterior} mask pixels unchanged");
    }

    [Fact]
    public void Mask_interior_is_a_half_blend_and_the_box_ring_is_coloured()
    {
        var pixels = new byte[64 * 48 * 3];
        Array.Fill(pixels, (byte)100);
        var image = new RgbImage(64, 48, pixels);
        var maskData = new byte[64 * 48];
        for (int y = 10; y < 30; y++)
        {
            for (int x = 10; x < 40; x++) maskData[(y * 64) + x] = 1;
        }
        var detection = new VisualDetection(10, 10, 40, 30, "", 1, new BinaryMask(64, 48, maskData));

        RgbImage drawn = Visualizer.Draw(image, [detection]);

        (byte r, byte g, byte b) = DetectronColormap.Color(1);
        int centre = ((20 * 64) + 25) * 3;
        Assert.Equal((byte)Math.Round((100 + r) / 2.0), drawn.Pixels[centre]);
        Assert.Equal((byte)Math.Round((100 + g) / 2.0), drawn.Pixels[centre + 1]);
        Assert.Equal((byte)Math.Round((100 + b) / 2.0), drawn.Pixels[centre + 2]);
        int corner = ((2 * 64) + 2) * 3;
        Assert.Equal(new byte[] { 100, 100, 100 }, drawn.Pixels[corner..(corner + 3)]);
    }

    [Fact]
    public void Labels_draw_text_pixels_in_a_dark_box()
    {
        var pixels = new byte[200 * 100 * 3];
        Array.Fill(pixels, (byte)255);
        var image = new RgbImage(200, 100, pixels);
        RgbImage drawn = Visualizer.Draw(image, [new VisualDetection(20, 20, 180, 90, "rectangle 97%", 0, null)]);
        // The label box starts at the box corner: darkened background plus bright glyph pixels.
        int dark = 0, bright = 0;
        for (int y = 20; y < 32; y++)
        {
            for (int x = 20; x < 100; x++)
            {
                int i = ((y * 200) + x) * 3;
                int sum = drawn.Pixels[i] + drawn.Pixels[i + 1] + drawn.Pixels[i + 2];
                if (sum < 200) dark++;
                else if (sum > 300 && sum < 765) bright++;
            }
        }
        Assert.True(dark > 200, $"dark {dark}");
        Assert.True(bright > 30, $"bright {bright}");
    }

    [Fact]
    public void Degenerate_boxes_and_odd_labels_do_not_throw()
    {
        var image = new RgbImage(30, 20, new byte[30 * 20 * 3]);
        VisualDetection[] odd =
        [
            new(float.NaN, 0, 5, 5, "nan", 0, null),
            new(0, 0, float.PositiveInfinity, float.NegativeInfinity, "inf", 1, null),
            new(-1e9f, -1e9f, 1e9f, 1e9f, "huge", 2, null),
            new(25, 15, 5, 5, "inverted", 3, null),
            new(10, 10, 10, 10, "\u00e9\u4e2d \t", -7, null),
            new(28, 18, 29, 19, new string('W', 200), 1_000_000, null),
        ];
        RgbImage drawn = Visualizer.Draw(image, odd);
        Assert.Equal(image.Pixels.Length, drawn.Pixels.Length);
        Assert.Contains(drawn.Pixels, b => b != 0);
    }

    [Fact]
    public void Mismatched_mask_size_is_rejected()
    {
        var image = new RgbImage(4, 4, new byte[48]);
        var mask = new BinaryMask(3, 4, new byte[12]);
        Assert.Throws<ArgumentException>(() => Visualizer.Draw(image, [new VisualDetection(0, 0, 2, 2, "x", 0, mask)]));
    }

    [Fact]
    public void Colormap_matches_Detectron2_first_entries_and_wraps()
    {
        Assert.Equal(74, DetectronColormap.Count);
        Assert.Equal(((byte)0, (byte)114, (byte)189), DetectronColormap.Color(0)); // 0.000, 0.447, 0.741
        Assert.Equal(((byte)217, (byte)83, (byte)25), DetectronColormap.Color(1)); // 0.850, 0.325, 0.098
        Assert.Equal(DetectronColormap.Color(3), DetectronColormap.Color(3 + 74));
        Assert.Equal(DetectronColormap.Color(73), DetectronColormap.Color(-1));
    }
}
