namespace Detserve.Vision;

/// <summary>
/// A full-image binary mask: <see cref="Data"/> is Height x Width bytes, each 0 or 1, row-major
/// (Detectron2's <c>pred_masks[i]</c> as uint8). The array is owned by this instance.
/// </summary>
public sealed class BinaryMask
{
    /// <summary>Wraps <paramref name="data"/> (taken over, not copied).</summary>
    /// <exception cref="ArgumentOutOfRangeException">a dimension is not positive.</exception>
    /// <exception cref="ArgumentException">the data length is not Height * Width.</exception>
    public BinaryMask(int width, int height, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        long expected = (long)width * height;
        if (data.LongLength != expected)
            throw new ArgumentException($"{data.LongLength} mask bytes do not fit a {width}x{height} mask ({expected} bytes)", nameof(data));
        Width = width;
        Height = height;
        Data = data;
    }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Height x Width bytes, 0 or 1 (any non-zero byte is treated as set), row-major.</summary>
    public byte[] Data { get; }

    /// <summary>Whether pixel (x, y) is set; false outside the mask.</summary>
    public bool IsSet(int x, int y) => (uint)x < (uint)Width && (uint)y < (uint)Height && Data[(y * Width) + x] != 0;
}
