namespace Detserve.Runtime.Tests;

/// <summary>
/// Decodes pycocotools' compressed RLE string (maskApi.c rleFrString: 5 bits per char + 48, continuation bit 0x20, sign bit 0x10,
/// counts after the second delta-coded against the one two back) into a row-major H x W 0/1 mask (the runs are column-major).
/// </summary>
internal static class CocoRle
{
    public static byte[] Decode(string counts, int height, int width)
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
                int c = counts[p] - 48;
                x |= (long)(c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (!more && (c & 0x10) != 0) x |= -1L << (5 * k);
            }
            if (runs.Count > 2) x += runs[^2];
            runs.Add(x);
        }
        var mask = new byte[height * width];
        long pos = 0;
        byte v = 0;
        foreach (long run in runs)
        {
            for (long i = 0; i < run; i++, pos++)
            {
                long col = pos / height, row = pos % height;
                mask[(row * width) + col] = v;
            }
            v ^= 1;
        }
        if (pos != (long)height * width) throw new InvalidDataException($"RLE covers {pos} pixels, the mask has {height * width}");
        return mask;
    }
}
