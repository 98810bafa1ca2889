namespace Detserve.Eval.Masks;

/// <summary>
/// A binary mask as run lengths in column-major order, pycocotools' <c>RLE</c> struct (cocoapi common/maskApi.h):
/// <see cref="Counts"/> alternate background and foreground runs and always start with a (possibly empty)
/// background run. Immutable; the methods mirror maskApi.c function by function (named in each comment).
/// </summary>
public sealed partial class Rle
{
    private readonly uint[] _counts;

    /// <summary>Wraps <paramref name="counts"/> (taken over, not copied) as a height x width mask.</summary>
    public Rle(int height, int width, uint[] counts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentNullException.ThrowIfNull(counts);
        Height = height;
        Width = width;
        _counts = counts;
    }

    /// <summary>Mask height in pixels (pycocotools' <c>size[0]</c>).</summary>
    public int Height { get; }

    /// <summary>Mask width in pixels (pycocotools' <c>size[1]</c>).</summary>
    public int Width { get; }

    /// <summary>The run lengths, background first, column-major.</summary>
    public ReadOnlySpan<uint> Counts => _counts;

    internal uint[] CountsArray => _counts;

    /// <summary>Number of pixels, height x width.</summary>
    public long PixelCount => (long)Height * Width;

    /// <summary>
    /// rleEncode: runs of a column-major mask (<c>mask[x * height + y]</c>), as <c>pycocotools.mask.encode</c> of a
    /// Fortran-ordered array. A change of byte value starts a new run, so masks should hold 0 and 1 only.
    /// </summary>
    public static Rle Encode(ReadOnlySpan<byte> columnMajor, int height, int width)
    {
        CheckMaskLength(columnMajor.Length, height, width, nameof(columnMajor));
        var runs = new List<uint>();
        AppendRuns(columnMajor, runs);
        return new Rle(height, width, [.. runs]);
    }

    /// <summary>
    /// Encodes a row-major mask (<c>mask[y * width + x]</c>, the layout of a decoded image) exactly as
    /// <see cref="Encode"/> encodes its transpose: what Detectron2's <c>instances_to_coco_json</c> gets from
    /// <c>mask_util.encode(np.array(mask[:, :, None], order="F"))</c>. Transposes in cache-sized tiles into a pooled
    /// buffer, then scans.
    /// </summary>
    public static Rle EncodeRowMajor(ReadOnlySpan<byte> rowMajor, int height, int width)
    {
        long pixels = CheckMaskLength(rowMajor.Length, height, width, nameof(rowMajor));
        byte[] columnMajor = System.Buffers.ArrayPool<byte>.Shared.Rent((int)pixels);
        try
        {
            const int Tile = 32;
            for (int y0 = 0; y0 < height; y0 += Tile)
            {
                int y1 = Math.Min(height, y0 + Tile);
                for (int x0 = 0; x0 < width; x0 += Tile)
                {
                    int x1 = Math.Min(width, x0 + Tile);
                    for (int y = y0; y < y1; y++)
                    {
                        ReadOnlySpan<byte> row = rowMajor.Slice(y * width, width);
                        for (int x = x0; x < x1; x++)
                        {
                            columnMajor[(x * height) + y] = row[x];
                        }
                    }
                }
            }

            var runs = new List<uint>(2 * width + 2);
            AppendRuns(columnMajor.AsSpan(0, (int)pixels), runs);
            return new Rle(height, width, [.. runs]);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(columnMajor);
        }
    }

    // rleEncode's loop: a run ends where the byte value changes (found with a vectorised search); the first run is
    // of zeros and may be empty.
    private static void AppendRuns(ReadOnlySpan<byte> mask, List<uint> runs)
    {
        byte value = 0;
        int position = 0;
        while (true)
        {
            int length = mask[position..].IndexOfAnyExcept(value);
            if (length < 0)
            {
                runs.Add((uint)(mask.Length - position));
                return;
            }

            runs.Add((uint)length);
            position += length;
            value = mask[position];
        }
    }

    /// <summary>
    /// rleDecode: writes the mask column-major into <paramref name="columnMajor"/> (height x width bytes, 0/1).
    /// Counts that run past the mask are rejected as pycocotools' <c>decode</c> rejects them ("Invalid RLE mask
    /// representation"); counts that stop short leave the rest 0 (maskApi.c leaves it uninitialised).
    /// </summary>
    public void Decode(Span<byte> columnMajor)
    {
        long pixels = CheckMaskLength(columnMajor.Length, Height, Width, nameof(columnMajor));
        long position = 0;
        byte value = 0;
        foreach (uint run in _counts)
        {
            if (run > pixels - position)
            {
                throw new CocoFormatException(
                    $"Invalid RLE mask representation: the runs of a {Height}x{Width} mask cover more than {pixels} pixels.");
            }

            columnMajor.Slice((int)position, (int)run).Fill(value);
            position += run;
            value = (byte)(1 - value);
        }

        columnMajor[(int)position..].Clear();
    }

    /// <summary>Decodes into a new row-major height x width byte array (0/1), the layout images use.</summary>
    public byte[] DecodeRowMajor()
    {
        var rowMajor = new byte[PixelCount];
        DecodeRowMajor(rowMajor);
        return rowMajor;
    }

    /// <summary>
    /// Decodes row-major into <paramref name="rowMajor"/> (height x width bytes, cleared first), touching only the
    /// foreground pixels. Same checks as <see cref="Decode"/>.
    /// </summary>
    public void DecodeRowMajor(Span<byte> rowMajor)
    {
        long pixels = CheckMaskLength(rowMajor.Length, Height, Width, nameof(rowMajor));
        rowMajor.Clear();
        long position = 0;
        for (int j = 0; j < _counts.Length; j++)
        {
            uint run = _counts[j];
            if (run > pixels - position)
            {
                throw new CocoFormatException(
                    $"Invalid RLE mask representation: the runs of a {Height}x{Width} mask cover more than {pixels} pixels.");
            }

            if (j % 2 == 1)
            {
                for (long p = position; p < position + run; p++)
                {
                    long x = p / Height, y = p - (x * Height);
                    rowMajor[(int)((y * Width) + x)] = 1;
                }
            }

            position += run;
        }
    }

    /// <summary>rleArea: the number of foreground pixels (sum of the odd runs), as a 32-bit unsigned sum.</summary>
    public uint Area() => AreaOf(_counts);

    internal static uint AreaOf(ReadOnlySpan<uint> counts)
    {
        uint area = 0;
        for (int j = 1; j < counts.Length; j += 2)
        {
            area += counts[j];
        }

        return area;
    }

    /// <summary>rleToBbox: the tight box of the foreground (x = first column, width = last - first + 1); zeros when empty.</summary>
    public BoxXywh ToBbox() => BboxOf(_counts, (uint)Height, (uint)Width);

    // maskApi.c rleToBbox as of ppwwyyxx/cocoapi ac87f507 (the segment-based rewrite): an odd run that spans
    // several columns widens y to the whole height; empty foreground runs are skipped. uint arithmetic as in C,
    // so runs with no foreground pixel at all give C's wrapped widths. A zero height (C divides by it) gives zeros.
    internal static BoxXywh BboxOf(ReadOnlySpan<uint> counts, uint h, uint w)
    {
        int m = counts.Length / 2 * 2;
        if (m == 0 || h == 0)
        {
            return default;
        }

        uint xs = w, ys = h, xe = 0, ye = 0, cc = 0;
        for (int j = 0; j < m; j++)
        {
            uint start = cc;
            cc += counts[j];
            if (j % 2 == 0 || counts[j] == 0)
            {
                continue;
            }

            uint yStart = start % h, xStart = (start - yStart) / h;
            uint yEnd = (cc - 1) % h, xEnd = (cc - 1 - yEnd) / h;
            xs = Math.Min(xs, xStart);
            xe = Math.Max(xe, xEnd);
            if (xStart < xEnd)
            {
                ys = 0;
                ye = h - 1;
            }
            else
            {
                ys = Math.Min(ys, yStart);
                ye = Math.Max(ye, yEnd);
            }
        }

        return new BoxXywh(xs, ys, unchecked(xe - xs + 1), unchecked(ye - ys + 1));
    }

    private static long CheckMaskLength(int length, int height, int width, string parameter)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        long pixels = (long)height * width;
        if (length != pixels)
        {
            throw new ArgumentException($"A {height}x{width} mask needs {pixels} bytes, got {length}.", parameter);
        }

        return pixels;
    }
}
