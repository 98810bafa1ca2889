using System.Buffers;
using System.Runtime.CompilerServices;

namespace Detserve.Eval.Masks;

// Polygon and box rasterisation: maskApi.c rleFrPoly / rleFrBbox.
public sealed partial class Rle
{
    // rleFrPoly samples the boundary on a grid 5x finer than the pixels.
    private const double PolygonUpsample = 5;

    /// <summary>
    /// rleFrPoly: rasterises one polygon (x0, y0, x1, y1, ...; an odd trailing value is ignored as pycocotools'
    /// <c>frPoly</c> ignores it) into a height x width mask, bit for bit as pycocotools: the vertices are rounded on a
    /// 5x upsampled grid, the boundary is walked with a DDA, and a pixel is inside when its centre is below the
    /// boundary crossing of its column.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Rle FromPolygon(ReadOnlySpan<double> xy, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        int k = xy.Length / 2;
        if (k == 0)
        {
            throw new ArgumentException("A polygon needs at least one point.", nameof(xy));
        }

        double scale = PolygonUpsample;
        int[] vertices = ArrayPool<int>.Shared.Rent(2 * (k + 1));
        uint[]? a = null;
        try
        {
            Span<int> x = vertices.AsSpan(0, k + 1), y = vertices.AsSpan(k + 1, k + 1);
            for (int j = 0; j < k; j++)
            {
                x[j] = CTruncate((scale * xy[j * 2]) + .5);
                y[j] = CTruncate((scale * xy[(j * 2) + 1]) + .5);
            }

            x[k] = x[0];
            y[k] = y[0];

            // Number of upsampled boundary points, which bounds the number of column crossings.
            long m = 0;
            for (int j = 0; j < k; j++)
            {
                m += (long)Math.Max(UAbs(x[j] - x[j + 1]), UAbs(y[j] - y[j + 1])) + 1;
            }

            a = ArrayPool<uint>.Shared.Rent((int)Math.Min(m + 1, int.MaxValue));
            var crossings = new BoundaryCrossings(a, height, width, scale);

            // Upsample and walk the boundary densely (a DDA per edge, in maskApi.c's order); every step to a new
            // column is a y-boundary point, downsampled on the fly (maskApi.c stores all points first).
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
                    crossings.AddShallowEdge(xs, ys, s, dx, flip);
                }
                else
                {
                    for (int d = 0; d <= dy; d++)
                    {
                        int t = flip ? dy - d : d;
                        crossings.Add(CTruncate(xs + (s * t) + .5), t + ys);
                    }
                }
            }

            // Compute the RLE given the y-boundary points: sorted positions, then differences; a zero difference
            // merges the next run into the previous one.
            int n = crossings.Count;
            a[n] = unchecked((uint)((long)height * width));
            Span<uint> sorted = a.AsSpan(0, n + 1);
            sorted.Sort();
            uint previous = 0;
            for (int j = 0; j <= n; j++)
            {
                uint t = sorted[j];
                sorted[j] -= previous;
                previous = t;
            }

            // Compact in place: the write index never passes the read index.
            int i = 0;
            int runs = 0;
            sorted[runs++] = sorted[i++];
            while (i <= n)
            {
                if (sorted[i] > 0)
                {
                    sorted[runs++] = sorted[i++];
                }
                else
                {
                    i++;
                    if (i <= n)
                    {
                        sorted[runs - 1] += sorted[i++];
                    }
                }
            }

            return new Rle(height, width, sorted[..runs].ToArray());
        }
        finally
        {
            ArrayPool<int>.Shared.Return(vertices);
            if (a is not null)
            {
                ArrayPool<uint>.Shared.Return(a);
            }
        }
    }

    /// <summary>
    /// The second stage of rleFrPoly over the stream of upsampled boundary points: a point in a different column than
    /// its predecessor gives the pixel column it crosses (kept only when that column is a whole pixel inside the
    /// image) and the first pixel row below the boundary, stored as the column-major position x * h + y.
    /// </summary>
    private ref struct BoundaryCrossings(uint[] output, int height, int width, double scale)
    {
        private readonly uint[] _output = output;
        private readonly double _lastColumn = (double)unchecked((ulong)width - 1);
        private bool _started;
        private int _u;
        private int _v;

        public int Count { get; private set; }

        // A step between two points that crosses pixel column boundary "column" on the 5x grid (the smaller u, or u - 1
        // when moving right) with the boundary at upsampled row yMin: kept when the column is a pixel centre inside
        // the image; the first pixel row below the boundary, clamped to [0, h], gives the position x * h + y.
        private void Crossing(int column, int yMin)
        {
            double xd = column;
            xd = ((xd + .5) / scale) - .5;
            if (Math.Floor(xd) != xd || xd < 0 || xd > _lastColumn)
            {
                return;
            }

            double yd = yMin;
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
            _output[Count++] = unchecked((uint)(((int)xd * height) + (int)yd));
        }

        /// <summary>
        /// The points of an edge with |dx| >= |dy| (u = xs + t, v = (int)(ys + s * t + .5), t = 0..dx, walked backwards
        /// when flipped). Every step moves one column, but only columns 5n + 2 are pixel centres, so after the first
        /// point (compared with the previous edge's last) only those steps are evaluated; the outcome is the same as
        /// adding every point.
        /// </summary>
        public void AddShallowEdge(int xs, int ys, double s, int dx, bool flip)
        {
            int tFirst = flip ? dx : 0;
            Add(tFirst + xs, CTruncate(ys + (s * tFirst) + .5));
            if (dx == 0)
            {
                return;
            }

            // Steps between t and t + 1 cross column xs + t; start at the first column = 2 (mod 5) at or after xs.
            int first = xs + (int)((((2L - xs) % 5) + 5) % 5);
            for (long column = first; column <= (long)xs + dx - 1; column += 5)
            {
                int t = (int)(column - xs);
                int va = CTruncate(ys + (s * t) + .5), vb = CTruncate(ys + (s * (t + 1)) + .5);
                Crossing((int)column, Math.Min(va, vb));
            }

            int tLast = flip ? 0 : dx;
            _u = tLast + xs;
            _v = CTruncate(ys + (s * tLast) + .5);
        }

        public void Add(int u, int v)
        {
            if (_started && u != _u)
            {
                Crossing(u < _u ? u : u - 1, v < _v ? v : _v);
            }

            _started = true;
            _u = u;
            _v = v;
        }
    }

    /// <summary>rleFrBbox: the mask of a box (x, y, w, h), rasterised as the polygon of its four corners.</summary>
    public static Rle FromBbox(BoxXywh box, int height, int width)
    {
        double xs = box.X, xe = xs + box.Width;
        double ys = box.Y, ye = ys + box.Height;
        return FromPolygon([xs, ys, xs, ye, xe, ye, xe, ys], height, width);
    }

    // C's (int) of a double on x86-64 (cvttsd2si): truncation toward zero, and INT_MIN for NaN or out of range.
    // .NET 9+ saturates instead, so the C behaviour is spelled out.
    private static int CTruncate(double value) =>
        double.IsNaN(value) || value >= 2147483648.0 || value <= -2147483649.0 ? int.MinValue : (int)value;

    private static uint UAbs(int value) => (uint)Math.Abs((long)value);
}
