using Detserve.Vision.Visualization;

namespace Detserve.Vision;

/// <summary>
/// Draws detections onto a copy of an image in the manner of detectron2.utils.visualizer.Visualizer
/// .draw_instance_predictions (ColorMode.IMAGE, no thing_colors): instances in order of decreasing box area; for each,
/// the box outline in the instance colour at alpha 0.5, the mask filled at alpha 0.5 with a contour in the colour
/// darkened by _change_color_brightness(-0.7), then the label in the colour lightened by +0.7 on a black box at alpha
/// 0.8. Sizes follow Visualizer: default font size max(sqrt(H * W) // 90, 10) points, box line width
/// max(font / 4, 1) points, label size clip((h / sqrt(H * W) - 0.02) / 0.08 + 1, 1.2, 2) * font / 2 points, one point
/// being 100 / 72 pixels (VisImage's 100-dpi figure). Text is a built-in 5 x 7 bitmap font scaled by whole pixels.
/// </summary>
public static class Visualizer
{
    private const double PixelsPerPoint = 100.0 / 72.0;

    /// <summary>Visualizer's _SMALL_OBJECT_AREA_THRESH: smaller boxes get their label below the box.</summary>
    private const double SmallObjectArea = 1000;

    /// <summary>A new image with <paramref name="detections"/> drawn; <paramref name="image"/> is not modified.</summary>
    /// <exception cref="ArgumentException">a mask's size differs from the image's.</exception>
    public static RgbImage Draw(RgbImage image, IReadOnlyList<VisualDetection> detections)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(detections);
        for (int i = 0; i < detections.Count; i++)
        {
            BinaryMask? m = detections[i].Mask;
            if (m is not null && (m.Width != image.Width || m.Height != image.Height))
                throw new ArgumentException($"detection {i}: mask is {m.Width}x{m.Height}, the image is {image.Width}x{image.Height}", nameof(detections));
        }

        RgbImage canvas = image.Clone();
        double defaultFontPoints = Math.Max(Math.Floor(Math.Sqrt((double)image.Width * image.Height) / 90), 10);
        int boxThickness = Math.Max(1, (int)Math.Round(Math.Max(defaultFontPoints / 4, 1) * PixelsPerPoint));

        int[] order = Enumerable.Range(0, detections.Count)
            .OrderByDescending(i => Area(detections[i]))
            .ThenBy(i => i)
            .ToArray();
        foreach (int i in order)
        {
            VisualDetection d = detections[i];
            (byte R, byte G, byte B) color = DetectronColormap.Color(d.ColorIndex);
            DrawBoxOutline(canvas, d, color, boxThickness);
            if (d.Mask is not null)
                DrawMask(canvas, d.Mask, color);
            if (!string.IsNullOrEmpty(d.Label))
                DrawLabel(canvas, d, color, defaultFontPoints);
        }
        return canvas;
    }

    private static double Area(VisualDetection d) => Math.Max(0, (double)d.X2 - d.X1) * Math.Max(0, (double)d.Y2 - d.Y1);

    /// <summary>A ring of <paramref name="thickness"/> pixels centred on the box edges, blended once at alpha 0.5.</summary>
    private static void DrawBoxOutline(RgbImage canvas, VisualDetection d, (byte R, byte G, byte B) color, int thickness)
    {
        double half = thickness / 2.0;
        int left = (int)Math.Round(d.X1 - half), top = (int)Math.Round(d.Y1 - half);
        int right = Math.Max(left + 1, (int)Math.Round(d.X2 + half)), bottom = Math.Max(top + 1, (int)Math.Round(d.Y2 + half));
        for (int y = Math.Max(0, top); y < Math.Min(canvas.Height, bottom); y++)
        {
            bool edgeRow = y < top + thickness || y >= bottom - thickness;
            for (int x = Math.Max(0, left); x < Math.Min(canvas.Width, right); x++)
            {
                if (edgeRow || x < left + thickness || x >= right - thickness)
                    Blend(canvas, x, y, color, 0.5);
            }
        }
    }

    /// <summary>Fill at alpha 0.5, then the one-pixel contour (set pixels with an unset 4-neighbour or on the image border) opaque and darker.</summary>
    private static void DrawMask(RgbImage canvas, BinaryMask mask, (byte R, byte G, byte B) color)
    {
        (byte R, byte G, byte B) edge = HlsColor.ChangeBrightness(color, -0.7);
        int w = mask.Width, h = mask.Height;
        byte[] m = mask.Data;
        for (int y = 0; y < h; y++)
        {
            ReadOnlySpan<byte> row = m.AsSpan(y * w, w);
            // Masks are mostly empty: jump over runs of zeros with the vectorised search.
            for (int x = row.IndexOfAnyExcept((byte)0); x >= 0 && x < w; x++)
            {
                if (row[x] == 0)
                {
                    int next = row[x..].IndexOfAnyExcept((byte)0);
                    if (next < 0) break;
                    x += next;
                }
                bool contour = x == 0 || y == 0 || x == w - 1 || y == h - 1
                    || m[(y * w) + x - 1] == 0 || m[(y * w) + x + 1] == 0
                    || m[((y - 1) * w) + x] == 0 || m[((y + 1) * w) + x] == 0;
                if (contour) Set(canvas, x, y, edge);
                else Blend(canvas, x, y, color, 0.5);
            }
        }
    }

    private static void DrawLabel(RgbImage canvas, VisualDetection d, (byte R, byte G, byte B) color, double defaultFontPoints)
    {
        double imageDiagonal = Math.Sqrt((double)canvas.Width * canvas.Height);
        double heightRatio = (d.Y2 - d.Y1) / imageDiagonal;
        double fontPoints = Math.Clamp(((heightRatio - 0.02) / 0.08) + 1, 1.2, 2) * 0.5 * defaultFontPoints;
        // A capital letter is about 0.7 em; the glyphs are 7 pixels tall.
        int scale = Math.Max(1, (int)Math.Round(fontPoints * PixelsPerPoint * 0.7 / BitmapFont.GlyphRows));
        int pad = Math.Max(1, scale);
        int textWidth = BitmapFont.MeasureWidth(d.Label, scale), textHeight = BitmapFont.CellHeight * scale;
        int boxWidth = textWidth + (2 * pad), boxHeight = textHeight + (2 * pad);

        // Visualizer.overlay_instances: label at the top-left corner, or for small boxes below the box (beside it at
        // the bottom edge of the image).
        double x = d.X1, y = d.Y1;
        double area = Area(d);
        if (area < SmallObjectArea || d.Y2 - d.Y1 < 40)
        {
            if (d.Y2 >= canvas.Height - 5) x = d.X2;
            else y = d.Y2;
        }
        int bx = Math.Clamp((int)Math.Round(x), 0, Math.Max(0, canvas.Width - boxWidth));
        int by = Math.Clamp((int)Math.Round(y), 0, Math.Max(0, canvas.Height - boxHeight));

        for (int yy = by; yy < Math.Min(canvas.Height, by + boxHeight); yy++)
        {
            for (int xx = bx; xx < Math.Min(canvas.Width, bx + boxWidth); xx++)
                Blend(canvas, xx, yy, (0, 0, 0), 0.8);
        }

        (byte R, byte G, byte B) text = TextColor(HlsColor.ChangeBrightness(color, 0.7));
        int penX = bx + pad, penY = by + pad;
        foreach (char c in d.Label)
        {
            for (int gy = 0; gy < BitmapFont.CellHeight; gy++)
            {
                for (int gx = 0; gx < BitmapFont.GlyphWidth; gx++)
                {
                    if (!BitmapFont.IsInk(c, gx, gy)) continue;
                    for (int sy = 0; sy < scale; sy++)
                    {
                        for (int sx = 0; sx < scale; sx++)
                        {
                            int px = penX + (gx * scale) + sx, py = penY + (gy * scale) + sy;
                            if ((uint)px < (uint)canvas.Width && (uint)py < (uint)canvas.Height) Set(canvas, px, py, text);
                        }
                    }
                }
            }
            penX += BitmapFont.Advance * scale;
        }
    }

    /// <summary>Visualizer.draw_text: every component at least 0.2 and the largest at least 0.8, so text stays visible on black.</summary>
    private static (byte R, byte G, byte B) TextColor((byte R, byte G, byte B) c)
    {
        double[] v = [Math.Max(c.R / 255.0, 0.2), Math.Max(c.G / 255.0, 0.2), Math.Max(c.B / 255.0, 0.2)];
        int argmax = v[0] >= v[1] && v[0] >= v[2] ? 0 : v[1] >= v[2] ? 1 : 2;
        v[argmax] = Math.Max(0.8, v[argmax]);
        return (HlsColor.ToByte(v[0]), HlsColor.ToByte(v[1]), HlsColor.ToByte(v[2]));
    }

    private static void Blend(RgbImage canvas, int x, int y, (byte R, byte G, byte B) color, double alpha)
    {
        int i = ((y * canvas.Width) + x) * 3;
        byte[] p = canvas.Pixels;
        p[i] = (byte)Math.Round((p[i] * (1 - alpha)) + (color.R * alpha));
        p[i + 1] = (byte)Math.Round((p[i + 1] * (1 - alpha)) + (color.G * alpha));
        p[i + 2] = (byte)Math.Round((p[i + 2] * (1 - alpha)) + (color.B * alpha));
    }

    private static void Set(RgbImage canvas, int x, int y, (byte R, byte G, byte B) color)
    {
        int i = ((y * canvas.Width) + x) * 3;
        canvas.Pixels[i] = color.R;
        canvas.Pixels[i + 1] = color.G;
        canvas.Pixels[i + 2] = color.B;
    }
}
