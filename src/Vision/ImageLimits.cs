namespace Detserve.Vision;

/// <summary>
/// Resource limits applied while decoding untrusted image bytes. Declared dimensions are checked against them before
/// any pixel buffer is allocated.
/// </summary>
/// <param name="MaxPixels">
/// Largest accepted Width * Height. The default, 178,956,970, is where Pillow's decompression-bomb check
/// (<c>PIL.Image._decompression_bomb_check</c>) turns from a warning into an error: 2 * MAX_IMAGE_PIXELS,
/// MAX_IMAGE_PIXELS = 1024 * 1024 * 1024 // 4 // 3 = 89,478,485.
/// </param>
/// <param name="MaxDimension">Largest accepted width or height on its own (PNG allows 2^31 - 1; nothing real is that wide).</param>
/// <param name="MaxEncodedBytes">Largest accepted encoded file, checked before a file is read into memory.</param>
public sealed record ImageLimits(long MaxPixels = ImageLimits.PillowErrorPixels, int MaxDimension = 1 << 20, long MaxEncodedBytes = 1L << 30)
{
    /// <summary>Pillow's MAX_IMAGE_PIXELS (the warning threshold).</summary>
    public const long PillowMaxImagePixels = 1024L * 1024 * 1024 / 4 / 3;

    /// <summary>2 * MAX_IMAGE_PIXELS: Pillow raises DecompressionBombError above this.</summary>
    public const long PillowErrorPixels = 2 * PillowMaxImagePixels;

    /// <summary>The default limits.</summary>
    public static ImageLimits Default { get; } = new();

    /// <summary>Throws <see cref="ImageDecodeException"/> if a declared size is empty or above the limits.</summary>
    internal void Check(long width, long height, string sourceName, string format)
    {
        if (width <= 0 || height <= 0)
            throw new ImageDecodeException(sourceName, $"{format} declares an empty image ({width}x{height})");
        if (width > MaxDimension || height > MaxDimension)
            throw new ImageDecodeException(sourceName, $"{format} declares {width}x{height}, a side above the limit of {MaxDimension} pixels");
        if (width * height > MaxPixels)
            throw new ImageDecodeException(sourceName, $"{format} declares {width}x{height} = {width * height} pixels, above the limit of {MaxPixels} (possible decompression bomb)");
    }
}
