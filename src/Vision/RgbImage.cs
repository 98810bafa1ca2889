namespace Detserve.Vision;

/// <summary>
/// An 8-bit RGB image: <see cref="Pixels"/> is Height x Width x 3 bytes, interleaved R, G, B, row-major, no row padding.
/// This is what Detectron2's <c>read_image(path, format="RGB")</c> returns as a numpy array (H, W, 3) uint8.
/// The pixel array is owned by this instance; callers that need a modified copy clone it first.
/// </summary>
public sealed class RgbImage
{
    /// <summary>Wraps <paramref name="pixels"/> (taken over, not copied).</summary>
    /// <exception cref="ArgumentOutOfRangeException">a dimension is not positive.</exception>
    /// <exception cref="ArgumentException">the pixel array length is not Height * Width * 3.</exception>
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        long expected = (long)width * height * 3;
        if (pixels.LongLength != expected)
            throw new ArgumentException($"{pixels.LongLength} pixel bytes do not fit a {width}x{height} RGB image ({expected} bytes)", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Height x Width x 3 bytes, R, G, B interleaved, row-major.</summary>
    public byte[] Pixels { get; }

    /// <summary>Bytes per row (Width * 3).</summary>
    public int RowBytes => Width * 3;

    /// <summary>A deep copy.</summary>
    public RgbImage Clone() => new(Width, Height, (byte[])Pixels.Clone());

    /// <summary>
    /// The pixels with R and B swapped (the BGR uint8 array Detectron2 feeds the model when INPUT.FORMAT is "BGR").
    /// </summary>
    public byte[] ToBgrBytes()
    {
        var bgr = new byte[Pixels.Length];
        for (int i = 0; i < bgr.Length; i += 3)
        {
            bgr[i] = Pixels[i + 2];
            bgr[i + 1] = Pixels[i + 1];
            bgr[i + 2] = Pixels[i];
        }
        return bgr;
    }
}
