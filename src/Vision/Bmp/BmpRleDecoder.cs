namespace Detserve.Vision.Bmp;

/// <summary>
/// BI_RLE8 / BI_RLE4 palette-index decoding exactly as Pillow 9.4's BmpRleDecoder (a Python decoder) does it,
/// including its quirks, so that indices equal what Detectron2 would see:
/// <list type="bullet">
/// <item>encoded run (count, value): count pixels clipped to the end of the row; RLE4 alternates the two nibbles;</item>
/// <item>escape 0: end of line pads the row with index 0; 1: end of bitmap; 2: delta, for which Pillow reads two bytes,
/// discards them and reads two more as (right, up), padding right + up * width zeros;</item>
/// <item>absolute run n: RLE8 copies n bytes; RLE4 reads n / 2 bytes (rounded down) and emits both nibbles of each; then
/// the file position is aligned to an even offset;</item>
/// <item>the output must reach width * height indices, else "not enough image data" (an end-of-bitmap that leaves
/// rows unfilled is an error in Pillow 9.4).</item>
/// </list>
/// Rows come out in file order (bottom-up unless the header says top-down).
/// </summary>
internal static class BmpRleDecoder
{
    /// <param name="file">The whole file (alignment uses absolute offsets, as fd.tell() does).</param>
    /// <param name="start">Offset of the RLE data.</param>
    public static byte[] Decode(ReadOnlySpan<byte> file, int start, int width, int height, bool rle4, string sourceName)
    {
        long target = (long)width * height;
        var output = new byte[target];
        long length = 0; // indices produced; may pass target by one operation, as in Pillow (the excess is ignored)
        int x = 0;
        int pos = start;

        void Emit(byte value, long count)
        {
            for (long i = 0; i < count; i++, length++)
            {
                if (length < target) output[length] = value;
            }
        }

        while (length < target)
        {
            if (pos + 2 > file.Length) break;
            int count = file[pos], value = file[pos + 1];
            pos += 2;
            if (count != 0)
            {
                if (x + count > width) count = Math.Max(0, width - x);
                if (rle4)
                {
                    for (int i = 0; i < count; i++) Emit((byte)((i & 1) == 0 ? value >> 4 : value & 0x0F), 1);
                }
                else
                {
                    Emit((byte)value, count);
                }
                x += count;
            }
            else if (value == 0)
            {
                // end of line: pad to a multiple of the width
                long pad = (width - (length % width)) % width;
                Emit(0, pad);
                x = 0;
            }
            else if (value == 1)
            {
                break;
            }
            else if (value == 2)
            {
                if (pos + 2 > file.Length) break;
                pos += 2; // Pillow's delta reads two bytes it never uses
                if (pos + 2 > file.Length)
                    throw new ImageDecodeException(sourceName, $"BMP RLE delta at offset {pos - 4} is truncated");
                int right = file[pos], up = file[pos + 1];
                pos += 2;
                Emit(0, right + ((long)up * width));
                x = (int)(length % width);
            }
            else
            {
                int byteCount = rle4 ? value / 2 : value;
                int available = Math.Min(byteCount, file.Length - pos);
                ReadOnlySpan<byte> run = file.Slice(pos, available);
                pos += available;
                if (rle4)
                {
                    foreach (byte b in run)
                    {
                        Emit((byte)(b >> 4), 1);
                        Emit((byte)(b & 0x0F), 1);
                    }
                }
                else
                {
                    foreach (byte b in run) Emit(b, 1);
                }
                if (available < byteCount) break;
                x += value;
                if (pos % 2 != 0) pos++;
            }
        }
        if (length < target)
            throw new ImageDecodeException(sourceName, $"BMP {(rle4 ? "RLE4" : "RLE8")} data ends after {length} of {target} pixels (not enough image data)");
        return output;
    }
}
