using System.Buffers.Binary;
using System.IO.Compression;
using Detserve.Vision.Png;

namespace Detserve.Vision;

/// <summary>
/// Writes 8-bit RGB PNG files (colour type 2, no interlace): IHDR, IDAT, IEND. Each row gets the filter whose output
/// has the smallest sum of absolute values (as signed bytes), the heuristic of PNG spec section 12.8 that libpng uses.
/// </summary>
public static class PngEncoder
{
    /// <summary>Largest IDAT chunk written; big images get several (any split is valid PNG).</summary>
    private const int IdatChunkBytes = 1 << 20;

    /// <summary>The PNG file bytes for <paramref name="image"/>.</summary>
    public static byte[] Encode(RgbImage image) => Encode(image, CompressionLevel.Optimal);

    /// <summary>The PNG file bytes for <paramref name="image"/> with a chosen zlib effort.</summary>
    public static byte[] Encode(RgbImage image, CompressionLevel level)
    {
        ArgumentNullException.ThrowIfNull(image);
        byte[] compressed = CompressRows(image, level);

        using var output = new MemoryStream(compressed.Length + 64);
        output.Write(PngDecoder.Signature);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], image.Height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // truecolour
        ihdr[10] = 0; // deflate
        ihdr[11] = 0; // adaptive filtering
        ihdr[12] = 0; // no interlace
        WriteChunk(output, "IHDR"u8, ihdr);
        for (int offset = 0; offset < compressed.Length; offset += IdatChunkBytes)
            WriteChunk(output, "IDAT"u8, compressed.AsSpan(offset, Math.Min(IdatChunkBytes, compressed.Length - offset)));
        WriteChunk(output, "IEND"u8, []);
        return output.ToArray();
    }

    private static byte[] CompressRows(RgbImage image, CompressionLevel level)
    {
        int rowBytes = image.RowBytes;
        var zeros = new byte[rowBytes];
        var candidate = new byte[rowBytes];
        var best = new byte[rowBytes + 1];
        using var compressed = new MemoryStream();
        using (var deflater = new ZLibStream(compressed, level, leaveOpen: true))
        {
            for (int y = 0; y < image.Height; y++)
            {
                ReadOnlySpan<byte> row = image.Pixels.AsSpan(y * rowBytes, rowBytes);
                ReadOnlySpan<byte> previous = y == 0 ? zeros : image.Pixels.AsSpan((y - 1) * rowBytes, rowBytes);
                long bestScore = long.MaxValue;
                for (int type = PngFilter.None; type <= PngFilter.Paeth; type++)
                {
                    PngFilter.Apply(type, row, previous, 3, candidate);
                    long score = 0;
                    foreach (byte b in candidate) score += Math.Abs((int)(sbyte)b);
                    if (score < bestScore)
                    {
                        bestScore = score;
                        best[0] = (byte)type;
                        candidate.CopyTo(best, 1);
                    }
                }
                deflater.Write(best);
            }
        }
        return compressed.ToArray();
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> body)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, body.Length);
        output.Write(word);
        output.Write(type);
        output.Write(body);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Update(Crc32.Update(0, type), body));
        output.Write(word);
    }
}
