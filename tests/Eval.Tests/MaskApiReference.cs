namespace Detserve.Eval.Tests;

/// <summary>
/// maskApi.c rleFrPoly transcribed line by line (all boundary points stored, then downsampled): the plain definition
/// the streaming <c>Rle.FromPolygon</c> is checked against.
/// </summary>
internal static class MaskApiReference
{
    public static uint[] FrPoly(ReadOnlySpan<double> xy, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        int k = xy.Length / 2;
        if (k == 0)
        {
            throw new ArgumentException("A polygon needs at least one point.", nameof(xy));
        }

        double scale = 5;
        var x = new int[k + 1];
        var y = new int[k + 1];
        for (int j = 0; j < k; j++)
        {
            x[j] = CTruncate((scale * xy[j * 2]) + .5);
            y[j] = CTruncate((scale * xy[(j * 2) + 1]) + .5);
        }

        x[k] = x[0];
        y[k] = y[0];

        // Upsample and get discrete points densely along the entire boundary.
        long m = 0;
        for (int j = 0; j < k; j++)
        {
            m += (long)Math.Max(UAbs(x[j] - x[j + 1]), UAbs(y[j] - y[j + 1])) + 1;
        }

        var u = new int[m];
        var v = new int[m];
        m = 0;
        for (int j = 0; j < k; j++)
        {
            int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
            int dx = Math.Abs(xe - xs), dy = Math.Abs(ys - ye);
            bool flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
            if (flip)
            {
                (xs, xe) = (xe, xs);
                (ys, ye) = (ye, ys);
            }

            double s = dx >= dy ? (double)(ye - ys) / dx : (double)(xe - xs) / dy;
            if (dx >= dy)
            {
                for (int d = 0; d <= dx; d++)
                {
                    int t = flip ? dx - d : d;
                    u[m] = t + xs;
                    v[m] = CTruncate(ys + (s * t) + .5);
                    m++;
                }
            }
            else
            {
                for (int d = 0; d <= dy; d++)
                {
                    int t = flip ? dy - d : d;
                    v[m] = t + ys;
                    u[m] = CTruncate(xs + (s * t) + .5);
                    m++;
                }
            }
        }

        // Get points along the y-boundary and downsample.
        long count = m;
        var bx = new int[count];
        var by = new int[count];
        m = 0;
        double lastColumn = (double)unchecked((ulong)width - 1);
        for (long j = 1; j < count; j++)
        {
            if (u[j] == u[j - 1])
            {
                continue;
            }

            double xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
            xd = ((xd + .5) / scale) - .5;
            if (Math.Floor(xd) != xd || xd < 0 || xd > lastColumn)
            {
                continue;
            }

            double yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
            yd = ((yd + .5) / scale) - .5;
            if (yd < 0)
            {
                yd = 0;
            }
            else if (yd > height)
            {
                yd = height;
            }

            yd = Math.Ceiling(yd);
            bx[m] = (int)xd;
            by[m] = (int)yd;
            m++;
        }

        // Compute the RLE given the y-boundary points: sorted positions, then differences; a zero difference
        // merges the next run into the previous one.
        int n = (int)m;
        var a = new uint[n + 1];
        for (int j = 0; j < n; j++)
        {
            a[j] = unchecked((uint)((bx[j] * height) + by[j]));
        }

        a[n] = unchecked((uint)((long)height * width));
        Array.Sort(a);
        uint previous = 0;
        for (int j = 0; j <= n; j++)
        {
            uint t = a[j];
            a[j] -= previous;
            previous = t;
        }

        var b = new uint[n + 1];
        int i = 0;
        int runs = 0;
        b[runs++] = a[i++];
        while (i <= n)
        {
            if (a[i] > 0)
            {
                b[runs++] = a[i++];
            }
            else
            {
                i++;
                if (i <= n)
                {
                    b[runs - 1] += a[i++];
                }
            }
        }

        return b.AsSpan(0, runs).ToArray();
    }

    private static int CTruncate(double value) =>
        double.IsNaN(value) || value >= 2147483648.0 || value <= -2147483649.0 ? int.MinValue : (int)value;

    private static uint UAbs(int value) => (uint)Math.Abs((long)value);
}
