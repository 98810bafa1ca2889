namespace Detserve.Vision.Visualization;

/// <summary>
/// Python's colorsys RGB/HLS conversions (components 0..1), for Visualizer._change_color_brightness, which scales the
/// HLS lightness by (1 + factor) and clamps it to [0, 1].
/// </summary>
internal static class HlsColor
{
    /// <summary>The colour with its lightness changed as _change_color_brightness(color, factor) does.</summary>
    public static (byte R, byte G, byte B) ChangeBrightness((byte R, byte G, byte B) color, double factor)
    {
        (double h, double l, double s) = RgbToHls(color.R / 255.0, color.G / 255.0, color.B / 255.0);
        l = Math.Clamp(l + (factor * l), 0.0, 1.0);
        (double r, double g, double b) = HlsToRgb(h, l, s);
        return (ToByte(r), ToByte(g), ToByte(b));
    }

    public static byte ToByte(double v) => (byte)Math.Clamp((int)Math.Round(v * 255.0), 0, 255);

    private static (double H, double L, double S) RgbToHls(double r, double g, double b)
    {
        double maxc = Math.Max(r, Math.Max(g, b)), minc = Math.Min(r, Math.Min(g, b));
        double sumc = maxc + minc, rangec = maxc - minc, l = sumc / 2.0;
        if (minc == maxc) return (0.0, l, 0.0);
        double s = l <= 0.5 ? rangec / sumc : rangec / (2.0 - maxc - minc);
        double rc = (maxc - r) / rangec, gc = (maxc - g) / rangec, bc = (maxc - b) / rangec;
        double h = r == maxc ? bc - gc : g == maxc ? 2.0 + rc - bc : 4.0 + gc - rc;
        return (PythonMod1(h / 6.0), l, s);
    }

    private static (double R, double G, double B) HlsToRgb(double h, double l, double s)
    {
        if (s == 0.0) return (l, l, l);
        double m2 = l <= 0.5 ? l * (1.0 + s) : l + s - (l * s);
        double m1 = (2.0 * l) - m2;
        return (Channel(m1, m2, h + (1.0 / 3.0)), Channel(m1, m2, h), Channel(m1, m2, h - (1.0 / 3.0)));
    }

    private static double Channel(double m1, double m2, double hue)
    {
        hue = PythonMod1(hue);
        if (hue < 1.0 / 6.0) return m1 + ((m2 - m1) * hue * 6.0);
        if (hue < 0.5) return m2;
        if (hue < 2.0 / 3.0) return m1 + ((m2 - m1) * ((2.0 / 3.0) - hue) * 6.0);
        return m1;
    }

    /// <summary>x % 1.0 with Python's sign convention (result in [0, 1)).</summary>
    private static double PythonMod1(double x)
    {
        double m = x % 1.0;
        return m < 0 ? m + 1.0 : m;
    }
}
