namespace Detserve.Vision.Tests;

/// <summary>
/// Decodes pycocotools' compressed RLE string (maskApi.c rleFrString: 5-bit groups offset by 48, continuation bit 0x20,
/// sign bit 0x10 on the last group, counts after the second stored as deltas to the count two back). Counts alternate
/// runs of 0 and 1 over the mask in column-major order; the result here is row-major, 0/1.
/// </summary>
internal static class CocoRleText
{
    public static BinaryMask Decode(string counts, int height, int width)
    {
        var runs = new List<long>();
        int p = 0;
        while (p < counts.Length)
        {
            long x = 0;
            int k = 0;
            bool more = true;
            while (more)
            {
                long c = counts[p] - 48;
                x |= (c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (!more && (c & 0x10) != 0) x |= -1L << (5 * k);
            }
            if (runs.Count > 2) x += runs[^2];
            runs.Add(x);
        }
        var data = new byte[height * width];
        long position = 0;
        for (int r = 0; r < runs.Count; r++)
        {
            for (long i = 0; i < runs[r]; i++, position++)
            {
                if ((r & 1) == 1)
                {
                    int column = (int)(position / height), row = (int)(position % height);
                    data[(row * width) + column] = 1;
                }
            }
        }
        return new BinaryMask(width, height, data);
    }
}
