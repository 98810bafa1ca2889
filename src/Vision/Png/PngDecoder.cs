using System.Buffers.Binary;
using System.IO.Compression;

namespace Detserve.Vision.Png;

/// <summary>
/// A managed PNG decoder that yields what Pillow 9.4's <c>Image.open(png).convert("RGB")</c> yields.
/// <code>
///  file   89 50 4E 47 0D 0A 1A 0A, then chunks
///  chunk  uint32 BE length | 4-byte type | length data bytes | uint32 BE CRC-32 of type + data
/// </code>
/// Chunk handling mirrors PngImagePlugin: chunk types must be four [A-Za-z0-9_] characters; every chunk before the
/// first IDAT has its CRC checked (PngStream.crc); IDAT CRCs and everything after the image data are not checked
/// (load_read / load_end skip them); only the first run of consecutive IDAT chunks is image data; a missing PLTE
/// leaves the grey ramp palette. Where Pillow would raise on a damaged chunk after complete image data, this decoder
/// keeps the (complete) pixels instead.
/// </summary>
internal static class PngDecoder
{
    /// <summary>The 8-byte PNG signature.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Deflate cannot expand more than 1032:1 (a 258-byte match in 2 bits), so more raw bytes than this cannot come from the IDAT data.</summary>
    private const long MaxDeflateRatio = 1032;

    public static DecodedImage Decode(ReadOnlySpan<byte> data, string sourceName, ImageLimits limits)
    {
        if (!data.StartsWith(Signature))
            throw new ImageDecodeException(sourceName, "not a PNG file (bad signature)");

        PngHeader? header = null;
        ReadOnlySpan<byte> plte = default;
        var orientationSources = new PngOrientationSources(sourceName);
        using var idat = new MemoryStream();
        bool inIdat = false, idatEnded = false;
        int pos = Signature.Length;
        while (true)
        {
            bool afterImageData = inIdat || idatEnded;
            if (data.Length - pos < 8)
            {
                if (afterImageData) break;
                throw new ImageDecodeException(sourceName, $"PNG truncated at offset {pos}: no image data (IDAT) before the end of the file");
            }
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            ReadOnlySpan<byte> type = data.Slice(pos + 4, 4);
            string typeName = ChunkName(type);
            if (!IsChunkType(type))
            {
                if (afterImageData) break;
                throw new ImageDecodeException(sourceName, $"broken PNG file: invalid chunk type {typeName} at offset {pos}");
            }
            if (length > int.MaxValue)
            {
                if (afterImageData) break;
                throw new ImageDecodeException(sourceName, $"PNG chunk {typeName} at offset {pos} declares {length} bytes, above the PNG maximum of 2^31 - 1");
            }
            int start = pos + 8;
            int available = data.Length - start;

            if (type.SequenceEqual("IDAT"u8))
            {
                if (header is null)
                    throw new ImageDecodeException(sourceName, $"PNG chunk IDAT at offset {pos} comes before IHDR");
                if (idatEnded)
                {
                    // Pillow stops at the first non-IDAT chunk after image data; later IDATs are never read.
                    pos = SkipChunk(start, (int)length, data.Length);
                    continue;
                }
                inIdat = true;
                int take = Math.Min((int)length, available);
                idat.Write(data.Slice(start, take));
                if (take < (int)length) break; // truncated inside IDAT: decode what is there
                pos = SkipChunk(start, (int)length, data.Length);
                continue;
            }

            if (inIdat)
            {
                inIdat = false;
                idatEnded = true;
            }
            if ((long)length + 4 > available)
            {
                if (afterImageData) break;
                throw new ImageDecodeException(sourceName, $"PNG truncated in chunk {typeName} at offset {pos} ({length} data bytes declared, {Math.Max(0, available - 4)} present)");
            }
            ReadOnlySpan<byte> body = data.Slice(start, (int)length);
            if (!afterImageData)
            {
                uint stored = BinaryPrimitives.ReadUInt32BigEndian(data[(start + (int)length)..]);
                uint actual = Crc32.Update(Crc32.Update(0, type), body);
                if (stored != actual)
                    throw new ImageDecodeException(sourceName, $"broken PNG file: bad CRC in chunk {typeName} at offset {pos} (stored 0x{stored:X8}, computed 0x{actual:X8})");
            }

            if (type.SequenceEqual("IEND"u8))
                break;
            // Pillow reads these before and (in load_end) after the image data.
            if (type.SequenceEqual("eXIf"u8))
                orientationSources.AddExifChunk(body);
            else if (type.SequenceEqual("tEXt"u8))
                orientationSources.AddText(body);
            else if (type.SequenceEqual("zTXt"u8))
                orientationSources.AddCompressedText(body, pos);
            else if (type.SequenceEqual("iTXt"u8))
                orientationSources.AddInternationalText(body, pos);
            else if (!afterImageData)
            {
                if (type.SequenceEqual("IHDR"u8))
                    header = ParseHeader(body, pos, sourceName, limits);
                else if (type.SequenceEqual("PLTE"u8))
                    plte = CheckPalette(body, pos, sourceName);
                else if (type.SequenceEqual("tRNS"u8) && header is not null)
                    CheckTransparency(header, body, pos, sourceName);
            }
            pos = start + (int)length + 4;
        }

        if (header is null)
            throw new ImageDecodeException(sourceName, "PNG has no IHDR chunk");
        if (idat.Length == 0)
            throw new ImageDecodeException(sourceName, "PNG has no image data (IDAT)");

        RgbImage image = DecodePixels(header, plte, idat, sourceName);
        return new DecodedImage(image, orientationSources.Resolve());
    }

    private static int SkipChunk(int start, int length, int fileLength) =>
        (int)Math.Min((long)start + length + 4, fileLength);

    private static PngHeader ParseHeader(ReadOnlySpan<byte> body, int offset, string sourceName, ImageLimits limits)
    {
        if (body.Length < 13)
            throw new ImageDecodeException(sourceName, $"PNG IHDR at offset {offset} is {body.Length} bytes, expected 13 (truncated IHDR chunk)");
        uint width = BinaryPrimitives.ReadUInt32BigEndian(body);
        uint height = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
        int bitDepth = body[8], colorType = body[9], filterMethod = body[11], interlace = body[12];
        if (!PngHeader.IsValidCombination(bitDepth, colorType))
            throw new ImageDecodeException(sourceName, $"PNG IHDR: unsupported bit depth {bitDepth} with colour type {colorType}");
        if (filterMethod != 0)
            throw new ImageDecodeException(sourceName, $"PNG IHDR: unknown filter method {filterMethod}");
        limits.Check(width, height, sourceName, "PNG IHDR");
        return new PngHeader((int)width, (int)height, bitDepth, colorType, interlace != 0);
    }

    /// <summary>Pillow's putpalette refuses more than 256 entries ("invalid palette size").</summary>
    private static ReadOnlySpan<byte> CheckPalette(ReadOnlySpan<byte> body, int offset, string sourceName)
    {
        if (body.Length > 256 * 3)
            throw new ImageDecodeException(sourceName, $"PNG PLTE at offset {offset} has {body.Length / 3} entries, more than 256");
        return body;
    }

    /// <summary>PngStream.chunk_tRNS reads one 16-bit grey value or three RGB values; shorter data fails to open in Pillow.</summary>
    private static void CheckTransparency(PngHeader header, ReadOnlySpan<byte> body, int offset, string sourceName)
    {
        int needed = header.ColorType switch { 0 => 2, 2 => 6, _ => 0 };
        if (body.Length < needed)
            throw new ImageDecodeException(sourceName, $"PNG tRNS at offset {offset} is {body.Length} bytes, colour type {header.ColorType} needs {needed}");
    }

    private static RgbImage DecodePixels(PngHeader header, ReadOnlySpan<byte> plte, MemoryStream idat, string sourceName)
    {
        int passCount = header.Interlaced ? 7 : 1;
        long rawBytes = 0;
        for (int p = 0; p < passCount; p++)
        {
            Adam7Pass pass = header.Interlaced ? Adam7Pass.Interlaced(p) : Adam7Pass.Full;
            int cols = pass.Columns(header.Width), rows = pass.Rows(header.Height);
            if (cols > 0 && rows > 0) rawBytes += rows * (1 + header.RowBytes(cols));
        }
        if (rawBytes > (idat.Length * MaxDeflateRatio) + 1024)
            throw new ImageDecodeException(sourceName, $"PNG image data is truncated: {idat.Length} compressed bytes cannot hold the {rawBytes} bytes a {header.Width}x{header.Height} image needs");

        var pixels = new byte[(long)header.Width * header.Height * 3];
        var converter = new PngPixelConverter(header, plte);
        int maxRow = (int)header.RowBytes(header.Width);
        var current = new byte[maxRow + 1];
        var previous = new byte[maxRow];
        idat.Position = 0;
        using var inflater = new ZLibStream(idat, CompressionMode.Decompress, leaveOpen: true);
        int y = 0;
        try
        {
            for (int p = 0; p < passCount; p++)
            {
                Adam7Pass pass = header.Interlaced ? Adam7Pass.Interlaced(p) : Adam7Pass.Full;
                int cols = pass.Columns(header.Width), rows = pass.Rows(header.Height);
                if (cols == 0 || rows == 0) continue;
                int rowBytes = (int)header.RowBytes(cols);
                Span<byte> prev = previous.AsSpan(0, rowBytes);
                prev.Clear();
                for (int j = 0; j < rows; j++)
                {
                    y = pass.YStart + (j * pass.YStep);
                    Span<byte> line = current.AsSpan(0, rowBytes + 1);
                    inflater.ReadExactly(line);
                    Span<byte> row = line[1..];
                    if (!PngFilter.TryUnfilter(line[0], row, prev, header.FilterStride))
                        throw new ImageDecodeException(sourceName, $"PNG image data: unknown filter type {line[0]} on row {y}{PassText(header, p)}");
                    converter.WriteRow(row, cols, pixels.AsSpan(y * header.Width * 3, header.Width * 3), pass.XStart, pass.XStep);
                    row.CopyTo(prev);
                }
            }
        }
        catch (EndOfStreamException e)
        {
            throw new ImageDecodeException(sourceName, $"PNG image data is truncated: the zlib stream ends before row {y}{(header.Interlaced ? " of the interlaced image" : "")}", e);
        }
        catch (InvalidDataException e)
        {
            throw new ImageDecodeException(sourceName, $"PNG image data is corrupt near row {y}: {e.Message}", e);
        }
        return new RgbImage(header.Width, header.Height, pixels);
    }

    private static string PassText(PngHeader header, int pass) => header.Interlaced ? $" of Adam7 pass {pass + 1}" : "";

    private static bool IsChunkType(ReadOnlySpan<byte> type)
    {
        foreach (byte b in type)
        {
            if (!(b is >= (byte)'a' and <= (byte)'z' || b is >= (byte)'A' and <= (byte)'Z' || b is >= (byte)'0' and <= (byte)'9' || b == (byte)'_'))
                return false;
        }
        return true;
    }

    private static string ChunkName(ReadOnlySpan<byte> type)
    {
        var chars = new char[4];
        for (int i = 0; i < 4; i++) chars[i] = type[i] is >= 0x20 and < 0x7F ? (char)type[i] : '?';
        return "'" + new string(chars) + "'";
    }
}
