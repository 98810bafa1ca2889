namespace Detserve.Vision;

/// <summary>
/// detectron2/utils/colormap.py's _COLORS (74 colours, "copied from Detectron, gray colours removed"), scaled to
/// 0..255 and rounded. Detectron2's Visualizer picks one at random per instance (random_color); Detserve picks
/// entry ColorIndex mod 74 so that renders are reproducible.
/// </summary>
public static class DetectronColormap
{
    /// <summary>Number of colours.</summary>
    public static int Count => Table.Length / 3;

    /// <summary>Colour <paramref name="index"/> (wrapped into range, negative indices included).</summary>
    public static (byte R, byte G, byte B) Color(int index)
    {
        int i = ((index % Count) + Count) % Count;
        return (Table[i * 3], Table[(i * 3) + 1], Table[(i * 3) + 2]);
    }

    /// <summary>R, G, B triples: round(_COLORS * 255).</summary>
    private static ReadOnlySpan<byte> Table =>
    [
        0, 114, 189, 217, 83, 25, 237, 177, 32, 126, 47, 142,
        119, 172, 48, 77, 190, 238, 162, 20, 47, 77, 77, 77,
        153, 153, 153, 255, 0, 0, 255, 128, 0, 191, 191, 0,
        0, 255, 0, 0, 0, 255, 170, 0, 255, 85, 85, 0,
        85, 170, 0, 85, 255, 0, 170, 85, 0, 170, 170, 0,
        170, 255, 0, 255, 85, 0, 255, 170, 0, 255, 255, 0,
        0, 85, 128, 0, 170, 128, 0, 255, 128, 85, 0, 128,
        85, 85, 128, 85, 170, 128, 85, 255, 128, 170, 0, 128,
        170, 85, 128, 170, 170, 128, 170, 255, 128, 255, 0, 128,
        255, 85, 128, 255, 170, 128, 255, 255, 128, 0, 85, 255,
        0, 170, 255, 0, 255, 255, 85, 0, 255, 85, 85, 255,
        85, 170, 255, 85, 255, 255, 170, 0, 255, 170, 85, 255,
        170, 170, 255, 170, 255, 255, 255, 0, 255, 255, 85, 255,
        255, 170, 255, 85, 0, 0, 128, 0, 0, 170, 0, 0,
        212, 0, 0, 255, 0, 0, 0, 43, 0, 0, 85, 0,
        0, 128, 0, 0, 170, 0, 0, 212, 0, 0, 255, 0,
        0, 0, 43, 0, 0, 85, 0, 0, 128, 0, 0, 170,
        0, 0, 212, 0, 0, 255, 0, 0, 0, 36, 36, 36,
        219, 219, 219, 255, 255, 255,
    ];
}
