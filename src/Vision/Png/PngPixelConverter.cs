namespace Detserve.Vision.Png;

/// <summary>
/// Turns unfiltered PNG scanlines into 8-bit RGB exactly as Pillow 9.4 does for <c>Image.open(png).convert("RGB")</c>:
/// PngImagePlugin._MODES picks the mode and raw mode, libImaging/Unpack.c unpacks, libImaging/Convert.c converts.
/// <list type="bullet">
/// <item>grey 1 bit: mode "1", bit2rgb gives 0 or 255; grey 2/4 bit: "L;2"/"L;4" scale by 0x55/0x11; grey 8: R = G = B.</item>
/// <item>grey 16: mode "I" (raw "I;16B", value 0..65535), i2rgb clips to 0..255, so every value above 255 becomes white.</item>
/// <item>RGB 16, RGBA 16, grey+alpha 16 ("RGB;16B", "RGBA;16B", "LA;16B"): the high byte of each sample.</item>
/// <item>palette: PLTE lookup; indices past the PLTE entries keep Pillow's initial grey ramp (ImagingPaletteNew).</item>
/// <item>alpha (LA, RGBA, tRNS): dropped without compositing (la2rgb, rgba2rgb).</item>
/// </list>
/// </summary>
internal sealed class PngPixelConverter
{
    private readonly PngHeader _header;
    private readonly byte[] _palette;

    /// <param name="header">The image header.</param>
    /// <param name="plte">The PLTE chunk data (RGB triples), or empty.</param>
    public PngPixelConverter(PngHeader header, ReadOnlySpan<byte> plte)
    {
        _header = header;
        _palette = new byte[256 * 3];
        for (int i = 0; i < 256; i++)
        {
            _palette[i * 3] = (byte)i;
            _palette[(i * 3) + 1] = (byte)i;
            _palette[(i * 3) + 2] = (byte)i;
        }
        // Pillow's putpalette unpacks palettesize * 8 / bits entries: whole triples only.
        int entries = Math.Min(plte.Length / 3, 256);
        plte[..(entries * 3)].CopyTo(_palette);
    }

    /// <summary>
    /// Writes the <paramref name="count"/> pixels of <paramref name="row"/> (one unfiltered scanline of a pass) into
    /// <paramref name="rgbRow"/> (a full output row, Width x 3) at columns xStart, xStart + xStep, ...
    /// </summary>
    public void WriteRow(ReadOnlySpan<byte> row, int count, Span<byte> rgbRow, int xStart, int xStep)
    {
        int depth = _header.BitDepth;
        switch (_header.ColorType)
        {
            case 0 when depth == 16:
                for (int i = 0, o = xStart * 3; i < count; i++, o += xStep * 3)
                {
                    // "I" clipped by i2rgb: hi * 256 + lo >= 255 -> 255 exactly when hi > 0 or lo == 255.
                    byte v = row[i * 2] != 0 ? (byte)255 : row[(i * 2) + 1];
                    rgbRow[o] = v;
                    rgbRow[o + 1] = v;
                    rgbRow[o + 2] = v;
                }
                break;
            case 0:
                for (int i = 0, o = xStart * 3; i < count; i++, o += xStep * 3)
                {
                    byte v = ScaleGrey(SubByteSample(row, i, depth), depth);
                    rgbRow[o] = v;
                    rgbRow[o + 1] = v;
                    rgbRow[o + 2] = v;
                }
                break;
            case 3:
                for (int i = 0, o = xStart * 3; i < count; i++, o += xStep * 3)
                {
                    int p = SubByteSample(row, i, depth) * 3;
                    rgbRow[o] = _palette[p];
                    rgbRow[o + 1] = _palette[p + 1];
                    rgbRow[o + 2] = _palette[p + 2];
                }
                break;
            case 2:
            case 6:
                {
                    int sampleBytes = depth / 8;
                    int pixelBytes = _header.Channels * sampleBytes;
                    for (int i = 0, o = xStart * 3; i < count; i++, o += xStep * 3)
                    {
                        int s = i * pixelBytes;
                        rgbRow[o] = row[s];
                        rgbRow[o + 1] = row[s + sampleBytes];
                        rgbRow[o + 2] = row[s + (2 * sampleBytes)];
                    }
                    break;
                }
            case 4:
                {
                    int pixelBytes = 2 * (depth / 8);
                    for (int i = 0, o = xStart * 3; i < count; i++, o += xStep * 3)
                    {
                        byte v = row[i * pixelBytes];
                        rgbRow[o] = v;
                        rgbRow[o + 1] = v;
                        rgbRow[o + 2] = v;
                    }
                    break;
                }
            default:
                throw new InvalidOperationException($"PNG colour type {_header.ColorType} reached the converter");
        }
    }

    /// <summary>Sample <paramref name="index"/> of a row of 1, 2, 4 or 8-bit samples, most significant bits first.</summary>
    private static int SubByteSample(ReadOnlySpan<byte> row, int index, int depth)
    {
        if (depth == 8) return row[index];
        int bit = index * depth;
        int shift = 8 - depth - (bit & 7);
        return (row[bit >> 3] >> shift) & ((1 << depth) - 1);
    }

    /// <summary>Unpack.c: mode "1" is 0/255, "L;2" multiplies by 0x55, "L;4" by 0x11.</summary>
    private static byte ScaleGrey(int sample, int depth) => depth switch
    {
        1 => sample != 0 ? (byte)255 : (byte)0,
        2 => (byte)(sample * 0x55),
        4 => (byte)(sample * 0x11),
        _ => (byte)sample,
    };
}
