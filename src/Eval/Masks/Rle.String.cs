using System.Runtime.CompilerServices;
using System.Text;

namespace Detserve.Eval.Masks;

// The compressed "counts" string of COCO RLE: maskApi.c rleToString / rleFrString.
public sealed partial class Rle
{
    /// <summary>rleToString: the compressed counts (the <c>counts</c> string pycocotools writes), ASCII 48..111.</summary>
    public string ToCompressedString() => Encoding.ASCII.GetString(ToCompressedBytes());

    /// <summary>rleToString as ASCII bytes.</summary>
    public byte[] ToCompressedBytes()
    {
        var bytes = new List<byte>(_counts.Length * 2);
        AppendCompressed(_counts, bytes);
        return [.. bytes];
    }

    // Similar to LEB128 but 5 data bits per char (ascii 48..111) and, from the 4th run on, the difference to the run
    // two places back (runs of the same kind are alike). Arithmetic shift and the sign test at bit 0x10 as in C.
    internal static void AppendCompressed(ReadOnlySpan<uint> counts, List<byte> output)
    {
        for (int i = 0; i < counts.Length; i++)
        {
            long x = counts[i];
            if (i > 2)
            {
                x -= counts[i - 2];
            }

            bool more = true;
            while (more)
            {
                int c = (int)(x & 0x1f);
                x >>= 5;
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more)
                {
                    c |= 0x20;
                }

                output.Add((byte)(c + 48));
            }
        }
    }

    /// <summary>
    /// rleFrString with validation: parses compressed counts of a height x width mask. Throws
    /// <see cref="CocoFormatException"/> when a character is outside 48..111, the string ends inside a number,
    /// a run is negative or too long, or the runs do not cover exactly height x width pixels.
    /// </summary>
    public static Rle FromCompressedString(string counts, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(counts);
        byte[] ascii = new byte[counts.Length];
        for (int i = 0; i < counts.Length; i++)
        {
            char ch = counts[i];
            ascii[i] = ch <= 0x7f ? (byte)ch : (byte)0xff;
        }

        return FromCompressedBytes(ascii, height, width);
    }

    /// <summary><see cref="FromCompressedString"/> on the ASCII bytes of the counts string.</summary>
    public static Rle FromCompressedBytes(ReadOnlySpan<byte> counts, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        uint[] buffer = new uint[Math.Max(4, counts.Length)];
        string? error = TryDecodeCompressed(counts, (long)height * width, ref buffer, out int runs);
        if (error is not null)
        {
            throw new CocoFormatException($"Malformed compressed RLE of a {height}x{width} mask: {error}.");
        }

        return new Rle(height, width, buffer.AsSpan(0, runs).ToArray());
    }

    /// <summary>
    /// Decodes compressed counts into <paramref name="buffer"/> (grown when needed) and checks them against a mask
    /// of <paramref name="pixels"/> pixels. Returns null when well formed, else what is wrong.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static string? TryDecodeCompressed(ReadOnlySpan<byte> s, long pixels, ref uint[] buffer, out int runs)
    {
        runs = 0;
        long total = 0;
        int p = 0;
        while (p < s.Length)
        {
            long x = 0;
            int k = 0;
            bool more = true;

            // Most numbers are one character (no continuation bit 0x20): 5 bits, negative when bit 0x10 is set.
            int single = s[p] - 48;
            if ((uint)single < 32)
            {
                x = (single & 0x10) != 0 ? single - 32 : single;
                p++;
                more = false;
            }

            while (more)
            {
                if (p >= s.Length)
                {
                    return $"the string ends inside the number of run {runs}";
                }

                int c = s[p] - 48;
                if (c < 0 || c > 63)
                {
                    return $"character {s[p]} at offset {p} is outside the RLE alphabet (ASCII 48..111)";
                }

                if (k >= 12)
                {
                    return $"run {runs} at offset {p} has more digits than any 32-bit count";
                }

                x |= (long)(c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (!more && (c & 0x10) != 0)
                {
                    x |= -1L << (5 * k);
                }
            }

            if (runs > 2)
            {
                x += buffer[runs - 2];
            }

            if (x < 0 || x > uint.MaxValue)
            {
                return $"run {runs} has length {x}";
            }

            total += x;
            if (total > pixels)
            {
                return $"the runs cover more than the {pixels} pixels of the mask";
            }

            if (runs == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            buffer[runs++] = (uint)x;
        }

        return total == pixels ? null : $"the runs cover {total} of the {pixels} pixels of the mask";
    }

    /// <summary>
    /// rleFrString without checks, for strings already validated by <see cref="TryDecodeCompressed"/>; returns the
    /// number of runs written to <paramref name="buffer"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int DecodeCompressedUnchecked(ReadOnlySpan<byte> s, ref uint[] buffer)
    {
        int m = 0;
        int p = 0;
        while (p < s.Length)
        {
            long x;
            int c = s[p] - 48;
            if ((c & 0x20) == 0)
            {
                // One character: 5 bits, negative when bit 0x10 is set.
                x = (c & 0x10) != 0 ? (c & 0x1f) - 32 : c & 0x1f;
                p++;
            }
            else
            {
                x = 0;
                int k = 0;
                do
                {
                    c = s[p] - 48;
                    x |= (long)(c & 0x1f) << (5 * k);
                    p++;
                    k++;
                }
                while ((c & 0x20) != 0);

                if ((c & 0x10) != 0)
                {
                    x |= -1L << (5 * k);
                }
            }

            if (m > 2)
            {
                x += buffer[m - 2];
            }

            if (m == buffer.Length)
            {
                Array.Resize(ref buffer, Math.Max(16, buffer.Length * 2));
            }

            buffer[m++] = (uint)x;
        }

        return m;
    }
}
