namespace Detserve.Vision.Png;

/// <summary>
/// One pass of a PNG scan: pixel (i, j) of the pass lands at image column XStart + i * XStep, row YStart + j * YStep.
/// A non-interlaced image is the single pass (0, 0, 1, 1). Adam7's seven passes are in PNG spec section 8.2.
/// </summary>
internal readonly record struct Adam7Pass(int XStart, int YStart, int XStep, int YStep)
{
    /// <summary>The whole image, non-interlaced.</summary>
    public static Adam7Pass Full => new(0, 0, 1, 1);

    /// <summary>Adam7 pass <paramref name="index"/> (0..6).</summary>
    public static Adam7Pass Interlaced(int index) => index switch
    {
        0 => new(0, 0, 8, 8),
        1 => new(4, 0, 8, 8),
        2 => new(0, 4, 4, 8),
        3 => new(2, 0, 4, 4),
        4 => new(0, 2, 2, 4),
        5 => new(1, 0, 2, 2),
        6 => new(0, 1, 1, 2),
        _ => throw new ArgumentOutOfRangeException(nameof(index), index, "Adam7 has passes 0..6"),
    };

    /// <summary>Columns this pass covers in an image <paramref name="width"/> wide (0 when the pass is empty).</summary>
    public int Columns(int width) => width <= XStart ? 0 : ((width - XStart + XStep - 1) / XStep);

    /// <summary>Rows this pass covers in an image <paramref name="height"/> high.</summary>
    public int Rows(int height) => height <= YStart ? 0 : ((height - YStart + YStep - 1) / YStep);
}
