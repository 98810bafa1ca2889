namespace Detserve.Vision.Png;

/// <summary>
/// The IHDR fields that decide how IDAT bytes are laid out (PNG spec section 11.2.2).
/// </summary>
/// <param name="Width">Columns (1 .. 2^31 - 1 by the spec; the decoder's limits apply).</param>
/// <param name="Height">Rows.</param>
/// <param name="BitDepth">Bits per sample: 1, 2, 4, 8 or 16.</param>
/// <param name="ColorType">0 grey, 2 truecolour, 3 indexed, 4 grey + alpha, 6 truecolour + alpha.</param>
/// <param name="Interlaced">Adam7. Pillow treats any non-zero interlace byte as Adam7 (PngStream.chunk_IHDR).</param>
internal sealed record PngHeader(int Width, int Height, int BitDepth, int ColorType, bool Interlaced)
{
    /// <summary>Samples per pixel.</summary>
    public int Channels => ColorType switch
    {
        0 => 1,
        2 => 3,
        3 => 1,
        4 => 2,
        6 => 4,
        _ => throw new InvalidOperationException($"PNG colour type {ColorType} has no channel count"),
    };

    /// <summary>Bits per pixel.</summary>
    public int BitsPerPixel => Channels * BitDepth;

    /// <summary>The "bpp" of the filter algorithms: bytes per complete pixel, at least 1 (PNG spec section 9.2).</summary>
    public int FilterStride => Math.Max(1, BitsPerPixel / 8);

    /// <summary>Filtered bytes of one scanline of <paramref name="width"/> pixels, without the filter-type byte.</summary>
    public long RowBytes(int width) => (((long)width * BitsPerPixel) + 7) / 8;

    /// <summary>
    /// Whether (bit depth, colour type) is one of the combinations the spec allows; these are exactly the keys of
    /// Pillow's PngImagePlugin._MODES.
    /// </summary>
    public static bool IsValidCombination(int bitDepth, int colorType) => colorType switch
    {
        0 => bitDepth is 1 or 2 or 4 or 8 or 16,
        3 => bitDepth is 1 or 2 or 4 or 8,
        2 or 4 or 6 => bitDepth is 8 or 16,
        _ => false,
    };
}
