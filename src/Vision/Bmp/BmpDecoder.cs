using System.Buffers.Binary;

namespace Detserve.Vision.Bmp;

/// <summary>
/// Windows/OS2 BMP decoding with the semantics of Pillow 9.4's BmpImagePlugin followed by <c>convert("RGB")</c>.
/// <code>
///  0  "BM" | uint32 file size | 4 reserved | uint32 pixel data offset (bfOffBits)
/// 14  uint32 header size: 12 (OS/2 v1: uint16 width, height, planes, bits)
///                         40/64/108/124 (int32 width, height (negative = top-down), uint16 planes, bits,
///                         uint32 compression, image size, x/y pixels per metre, colours used, ...)
///     [BI_BITFIELDS with a 40-byte header: three uint32 masks follow the header]
///     palette: colours x (B, G, R[, 0]) (3 bytes per entry for OS/2 v1)
///     pixel rows, each padded to 4 bytes, bottom-up unless the height is negative
/// </code>
/// Supported: 1/4/8-bit palette (indices past the palette keep Pillow's grey ramp), 16-bit 5-5-5 and BI_BITFIELDS
/// 5-6-5 (Unpack.c BGR;15 / BGR;16: v * 255 / 31), 24-bit, 32-bit (alpha or X byte dropped) with the BI_BITFIELDS mask
/// layouts Pillow accepts, and BI_RLE8 / BI_RLE4 (<see cref="BmpRleDecoder"/>).
/// </summary>
internal static class BmpDecoder
{
    private const int FileHeaderBytes = 14;

    public static DecodedImage Decode(ReadOnlySpan<byte> data, string sourceName, ImageLimits limits)
    {
        if (data.Length < FileHeaderBytes + 4 || data[0] != (byte)'B' || data[1] != (byte)'M')
            throw new ImageDecodeException(sourceName, "not a BMP file (too short or no \"BM\" signature)");
        uint dataOffset = BinaryPrimitives.ReadUInt32LittleEndian(data[10..]);
        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(data[14..]);
        if (headerSize is not (12 or 40 or 64 or 108 or 124))
            throw new ImageDecodeException(sourceName, $"unsupported BMP header size {headerSize} at offset 14");
        if (data.Length < FileHeaderBytes + headerSize)
            throw new ImageDecodeException(sourceName, $"BMP truncated in its {headerSize}-byte info header (file is {data.Length} bytes)");
        ReadOnlySpan<byte> info = data.Slice(FileHeaderBytes + 4, (int)headerSize - 4);

        long width, height;
        int bits, paletteEntryBytes;
        uint compression = 0, colorsUsed = 0;
        bool topDown = false;
        int position = FileHeaderBytes + (int)headerSize; // where Pillow's file pointer is after the header
        uint rMask = 0, gMask = 0, bMask = 0, aMask = 0;
        if (headerSize == 12)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(info);
            height = BinaryPrimitives.ReadUInt16LittleEndian(info[2..]);
            bits = BinaryPrimitives.ReadUInt16LittleEndian(info[6..]);
            paletteEntryBytes = 3;
        }
        else
        {
            width = BinaryPrimitives.ReadUInt32LittleEndian(info);
            uint rawHeight = BinaryPrimitives.ReadUInt32LittleEndian(info[4..]);
            // BmpImagePlugin: y_flip = header_data[7] == 0xFF, then height = 2**32 - height.
            topDown = info[7] == 0xFF;
            height = topDown ? (1L << 32) - rawHeight : rawHeight;
            bits = BinaryPrimitives.ReadUInt16LittleEndian(info[10..]);
            compression = BinaryPrimitives.ReadUInt32LittleEndian(info[12..]);
            colorsUsed = BinaryPrimitives.ReadUInt32LittleEndian(info[28..]);
            paletteEntryBytes = 4;
            if (compression == 3)
            {
                if (info.Length >= 52)
                {
                    rMask = BinaryPrimitives.ReadUInt32LittleEndian(info[36..]);
                    gMask = BinaryPrimitives.ReadUInt32LittleEndian(info[40..]);
                    bMask = BinaryPrimitives.ReadUInt32LittleEndian(info[44..]);
                    aMask = BinaryPrimitives.ReadUInt32LittleEndian(info[48..]);
                }
                else
                {
                    if (data.Length < position + 12)
                        throw new ImageDecodeException(sourceName, $"BMP truncated in its BI_BITFIELDS masks at offset {position}");
                    rMask = BinaryPrimitives.ReadUInt32LittleEndian(data[position..]);
                    gMask = BinaryPrimitives.ReadUInt32LittleEndian(data[(position + 4)..]);
                    bMask = BinaryPrimitives.ReadUInt32LittleEndian(data[(position + 8)..]);
                    position += 12;
                }
            }
        }

        if (bits is not (1 or 4 or 8 or 16 or 24 or 32))
            throw new ImageDecodeException(sourceName, $"unsupported BMP pixel depth ({bits} bits)");
        BmpLayout layout = ChooseLayout(bits, compression, rMask, gMask, bMask, aMask, sourceName);
        limits.Check(width, height, sourceName, "BMP header");
        int w = (int)width, h = (int)height;

        long colors = colorsUsed != 0 ? colorsUsed : 1L << bits;
        if (dataOffset == FileHeaderBytes + headerSize && bits <= 8)
            dataOffset += (uint)(4 * colors); // as BmpImagePlugin: an offset pointing at the palette means "after it"

        var palette = new byte[256 * 3];
        for (int i = 0; i < 256; i++) palette[i * 3] = palette[(i * 3) + 1] = palette[(i * 3) + 2] = (byte)i;
        if (bits <= 8)
        {
            if (colors is <= 0 or > 256)
                throw new ImageDecodeException(sourceName, $"unsupported BMP palette size ({colors} colours)");
            int paletteBytes = (int)Math.Min(colors * paletteEntryBytes, Math.Max(0, data.Length - position));
            ReadOnlySpan<byte> table = data.Slice(position, paletteBytes);
            for (int i = 0; i < paletteBytes / paletteEntryBytes; i++)
            {
                // stored B, G, R
                palette[i * 3] = table[(i * paletteEntryBytes) + 2];
                palette[(i * 3) + 1] = table[(i * paletteEntryBytes) + 1];
                palette[(i * 3) + 2] = table[i * paletteEntryBytes];
            }
            position += paletteBytes;
        }

        long pixelStart = dataOffset != 0 ? dataOffset : position;
        if (compression is 1 or 2)
        {
            if (pixelStart > data.Length)
                throw new ImageDecodeException(sourceName, $"BMP pixel data offset {pixelStart} is past the end of the file ({data.Length} bytes)");
            byte[] indices = BmpRleDecoder.Decode(data, (int)pixelStart, w, h, compression == 2, sourceName);
            var rlePixels = new byte[(long)w * h * 3];
            for (int fileRow = 0; fileRow < h; fileRow++)
            {
                int y = topDown ? fileRow : h - 1 - fileRow;
                Span<byte> dst = rlePixels.AsSpan(y * w * 3, w * 3);
                for (int x = 0; x < w; x++)
                    palette.AsSpan(indices[(fileRow * w) + x] * 3, 3).CopyTo(dst.Slice(x * 3, 3));
            }
            return new DecodedImage(new RgbImage(w, h, rlePixels), 0);
        }
        long stride = ((((long)w * bits) + 31) >> 3) & ~3L;
        long rowBytes = (((long)w * bits) + 7) >> 3;
        long needed = ((h - 1) * stride) + rowBytes;
        if (pixelStart > data.Length || data.Length - pixelStart < needed)
            throw new ImageDecodeException(sourceName, $"BMP pixel data is truncated: {h} rows of {stride} bytes from offset {pixelStart} need {needed} bytes, the file has {Math.Max(0, data.Length - pixelStart)}");

        var pixels = new byte[(long)w * h * 3];
        for (int fileRow = 0; fileRow < h; fileRow++)
        {
            int y = topDown ? fileRow : h - 1 - fileRow;
            ReadOnlySpan<byte> src = data.Slice((int)(pixelStart + (fileRow * stride)), (int)rowBytes);
            Span<byte> dst = pixels.AsSpan(y * w * 3, w * 3);
            ConvertRow(layout, bits, src, dst, w, palette);
        }
        return new DecodedImage(new RgbImage(w, h, pixels), 0);
    }

    /// <summary>Pillow's BIT2MODE and, for BI_BITFIELDS, its SUPPORTED / MASK_MODES tables.</summary>
    private static BmpLayout ChooseLayout(int bits, uint compression, uint r, uint g, uint b, uint a, string sourceName)
    {
        if (compression == 0)
        {
            return bits switch
            {
                <= 8 => BmpLayout.Palette,
                16 => BmpLayout.Bgr15,
                24 => BmpLayout.Bgr,
                _ => BmpLayout.Bgrx,
            };
        }
        if (compression == 3)
        {
            BmpLayout? layout = (bits, r, g, b, a) switch
            {
                (32, 0xFF0000, 0xFF00, 0xFF, 0) => BmpLayout.Bgrx,
                (32, 0xFF000000, 0xFF0000, 0xFF00, 0) => BmpLayout.Xbgr,
                (32, 0xFF000000, 0xFF0000, 0xFF00, 0xFF) => BmpLayout.Xbgr,
                (32, 0xFF, 0xFF00, 0xFF0000, 0xFF000000) => BmpLayout.Rgbx,
                (32, 0xFF0000, 0xFF00, 0xFF, 0xFF000000) => BmpLayout.Bgrx,
                (32, 0, 0, 0, 0) => BmpLayout.Bgrx,
                (24, 0xFF0000, 0xFF00, 0xFF, _) => BmpLayout.Bgr,
                (16, 0xF800, 0x7E0, 0x1F, _) => BmpLayout.Bgr16,
                (16, 0x7C00, 0x3E0, 0x1F, _) => BmpLayout.Bgr15,
                _ => null,
            };
            return layout ?? throw new ImageDecodeException(sourceName, $"unsupported BMP bitfields layout ({bits} bits, masks R 0x{r:X} G 0x{g:X} B 0x{b:X} A 0x{a:X})");
        }
        if ((compression == 1 && bits == 8) || (compression == 2 && bits == 4))
            return BmpLayout.Palette;
        string name = compression switch { 1 => "RLE8", 2 => "RLE4", 4 => "JPEG", 5 => "PNG", _ => compression.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        throw new ImageDecodeException(sourceName, $"unsupported BMP compression ({name}) with {bits} bits per pixel");
    }

    private static void ConvertRow(BmpLayout layout, int bits, ReadOnlySpan<byte> src, Span<byte> dst, int w, ReadOnlySpan<byte> palette)
    {
        switch (layout)
        {
            case BmpLayout.Palette:
                for (int x = 0; x < w; x++)
                {
                    int index = bits switch
                    {
                        8 => src[x],
                        4 => (src[x >> 1] >> (4 - ((x & 1) * 4))) & 0xF,
                        _ => (src[x >> 3] >> (7 - (x & 7))) & 1,
                    };
                    palette.Slice(index * 3, 3).CopyTo(dst.Slice(x * 3, 3));
                }
                break;
            case BmpLayout.Bgr:
                for (int x = 0; x < w; x++)
                {
                    dst[x * 3] = src[(x * 3) + 2];
                    dst[(x * 3) + 1] = src[(x * 3) + 1];
                    dst[(x * 3) + 2] = src[x * 3];
                }
                break;
            case BmpLayout.Bgrx:
            case BmpLayout.Xbgr:
            case BmpLayout.Rgbx:
                {
                    // byte offsets of R, G, B within the 4-byte pixel
                    (int ro, int go, int bo) = layout switch
                    {
                        BmpLayout.Bgrx => (2, 1, 0),
                        BmpLayout.Xbgr => (3, 2, 1),
                        _ => (0, 1, 2),
                    };
                    for (int x = 0; x < w; x++)
                    {
                        dst[x * 3] = src[(x * 4) + ro];
                        dst[(x * 3) + 1] = src[(x * 4) + go];
                        dst[(x * 3) + 2] = src[(x * 4) + bo];
                    }
                    break;
                }
            case BmpLayout.Bgr15:
            case BmpLayout.Bgr16:
                for (int x = 0; x < w; x++)
                {
                    int p = src[x * 2] | (src[(x * 2) + 1] << 8);
                    bool is565 = layout == BmpLayout.Bgr16;
                    dst[x * 3] = (byte)(((is565 ? p >> 11 : p >> 10) & 31) * 255 / 31);
                    dst[(x * 3) + 1] = (byte)(is565 ? ((p >> 5) & 63) * 255 / 63 : ((p >> 5) & 31) * 255 / 31);
                    dst[(x * 3) + 2] = (byte)((p & 31) * 255 / 31);
                }
                break;
            default:
                throw new InvalidOperationException($"BMP layout {layout} has no converter");
        }
    }
}
