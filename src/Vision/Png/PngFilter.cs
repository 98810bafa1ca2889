namespace Detserve.Vision.Png;

/// <summary>
/// The five PNG scanline filters (PNG spec section 9.2): 0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth. Bytes left of the
/// row start and the row above the first row count as 0.
/// </summary>
internal static class PngFilter
{
    public const int None = 0;
    public const int Sub = 1;
    public const int Up = 2;
    public const int Average = 3;
    public const int Paeth = 4;

    /// <summary>Reverses filter <paramref name="type"/> in place on <paramref name="row"/>; <paramref name="previous"/> is the unfiltered row above (zeros for the first).</summary>
    /// <returns>false when <paramref name="type"/> is not 0..4.</returns>
    public static bool TryUnfilter(int type, Span<byte> row, ReadOnlySpan<byte> previous, int stride)
    {
        int n = row.Length;
        previous = previous[..n];
        int head = Math.Min(stride, n);
        switch (type)
        {
            case None:
                return true;
            case Sub:
                for (int i = head; i < n; i++) row[i] = (byte)(row[i] + row[i - stride]);
                return true;
            case Up:
                for (int i = 0; i < n; i++) row[i] = (byte)(row[i] + previous[i]);
                return true;
            case Average:
                for (int i = 0; i < head; i++) row[i] = (byte)(row[i] + (previous[i] >> 1));
                for (int i = head; i < n; i++) row[i] = (byte)(row[i] + ((row[i - stride] + previous[i]) >> 1));
                return true;
            case Paeth:
                // With left and up-left both 0 the predictor is up.
                for (int i = 0; i < head; i++) row[i] = (byte)(row[i] + previous[i]);
                for (int i = head; i < n; i++) row[i] = (byte)(row[i] + PaethPredictor(row[i - stride], previous[i], previous[i - stride]));
                return true;
            default:
                return false;
        }
    }

    /// <summary>Applies filter <paramref name="type"/> to <paramref name="row"/> (unfiltered) into <paramref name="destination"/>.</summary>
    public static void Apply(int type, ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int stride, Span<byte> destination)
    {
        int n = row.Length;
        previous = previous[..n];
        destination = destination[..n];
        int head = Math.Min(stride, n);
        switch (type)
        {
            case None:
                row.CopyTo(destination);
                break;
            case Sub:
                row[..head].CopyTo(destination);
                for (int i = head; i < n; i++) destination[i] = (byte)(row[i] - row[i - stride]);
                break;
            case Up:
                for (int i = 0; i < n; i++) destination[i] = (byte)(row[i] - previous[i]);
                break;
            case Average:
                for (int i = 0; i < head; i++) destination[i] = (byte)(row[i] - (previous[i] >> 1));
                for (int i = head; i < n; i++) destination[i] = (byte)(row[i] - ((row[i - stride] + previous[i]) >> 1));
                break;
            case Paeth:
                // With left and up-left both 0 the predictor is up.
                for (int i = 0; i < head; i++) destination[i] = (byte)(row[i] - previous[i]);
                for (int i = head; i < n; i++) destination[i] = (byte)(row[i] - PaethPredictor(row[i - stride], previous[i], previous[i - stride]));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "PNG filter types are 0..4");
        }
    }

    /// <summary>PNG spec section 9.4: the neighbour closest to left + up - upLeft, ties in the order left, up, upLeft.</summary>
    private static int PaethPredictor(int left, int up, int upLeft)
    {
        int p = left + up - upLeft;
        int pa = Math.Abs(p - left);
        int pb = Math.Abs(p - up);
        int pc = Math.Abs(p - upLeft);
        if (pa <= pb && pa <= pc) return left;
        return pb <= pc ? up : upLeft;
    }
}
