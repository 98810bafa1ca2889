using Detserve.Eval.Masks;
using FsCheck;
using FsCheck.Fluent;

namespace Detserve.Eval.Tests;

/// <summary>FsCheck properties of the COCO mask API against brute force on the decoded pixels (fixed seeds).</summary>
public sealed class RlePropertyTests
{
    [Fact]
    public void EncodeThenDecodeIsIdentity()
    {
        Check.One(MaskGen.Seeded(300, 1), Prop.ForAll(Arb.From(MaskGen.Masks()), m =>
        {
            Rle rle = Rle.Encode(m.ColumnMajor, m.Height, m.Width);
            var back = new byte[m.ColumnMajor.Length];
            rle.Decode(back);
            Assert.Equal(m.ColumnMajor, back);
            Assert.Equal(m.ColumnMajor.LongLength, rle.Counts.ToArray().Sum(c => (long)c));
        }));
    }

    [Fact]
    public void RowMajorEncodingIsTheColumnMajorEncodingOfTheSameMask()
    {
        Check.One(MaskGen.Seeded(200, 2), Prop.ForAll(Arb.From(MaskGen.Masks()), m =>
        {
            var rowMajor = new byte[m.ColumnMajor.Length];
            for (int x = 0; x < m.Width; x++)
            {
                for (int y = 0; y < m.Height; y++)
                {
                    rowMajor[(y * m.Width) + x] = m.ColumnMajor[(x * m.Height) + y];
                }
            }

            Rle expected = Rle.Encode(m.ColumnMajor, m.Height, m.Width);
            Rle actual = Rle.EncodeRowMajor(rowMajor, m.Height, m.Width);
            Assert.Equal(expected.Counts.ToArray(), actual.Counts.ToArray());
            Assert.Equal(rowMajor, actual.DecodeRowMajor());
            EncodedMask encoded = EncodedMask.FromRowMajor(rowMajor, m.Height, m.Width);
            Assert.Equal(expected.ToCompressedString(), encoded.Counts);
        }));
    }

    [Fact]
    public void CompressedStringRoundTrips()
    {
        Check.One(MaskGen.Seeded(300, 3), Prop.ForAll(Arb.From(MaskGen.Masks(40)), m =>
        {
            Rle rle = Rle.Encode(m.ColumnMajor, m.Height, m.Width);
            string text = rle.ToCompressedString();
            Assert.All(text, ch => Assert.InRange(ch, (char)48, (char)111));
            Rle back = Rle.FromCompressedString(text, m.Height, m.Width);
            Assert.Equal(rle.Counts.ToArray(), back.Counts.ToArray());
        }));
    }

    [Fact]
    public void CompressedStringRoundTripsLargeAndVaryingRuns()
    {
        // Long runs exercise multi-character numbers and negative differences to the run two back.
        Check.One(MaskGen.Seeded(200, 4), Prop.ForAll(Arb.From(Gen.ListOf(Gen.Choose(1, 5_000_000)).Select(l => l.ToArray())), runs =>
        {
            uint[] counts = [0, .. runs.Select(r => (uint)r)];
            long total = counts.Sum(c => (long)c);
            var rle = new Rle(1, (int)Math.Min(total, int.MaxValue), counts);
            if (total > int.MaxValue)
            {
                return;
            }

            Rle back = Rle.FromCompressedString(rle.ToCompressedString(), 1, (int)total);
            Assert.Equal(counts, back.Counts.ToArray());
        }));
    }

    [Fact]
    public void AreaIsThePixelCountAndBboxIsTheTightBox()
    {
        Check.One(MaskGen.Seeded(300, 5), Prop.ForAll(Arb.From(MaskGen.Masks()), m =>
        {
            Rle rle = Rle.Encode(m.ColumnMajor, m.Height, m.Width);
            Assert.Equal(m.ColumnMajor.Count(v => v == 1), (int)rle.Area());

            int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
            for (int x = 0; x < m.Width; x++)
            {
                for (int y = 0; y < m.Height; y++)
                {
                    if (m.ColumnMajor[(x * m.Height) + y] == 1)
                    {
                        x0 = Math.Min(x0, x);
                        y0 = Math.Min(y0, y);
                        x1 = Math.Max(x1, x);
                        y1 = Math.Max(y1, y);
                    }
                }
            }

            BoxXywh expected = x1 < 0 ? default : new BoxXywh(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
            if (x1 >= 0 || rle.Counts.Length < 2)
            {
                Assert.Equal(expected, rle.ToBbox());
            }
        }));
    }

    [Fact]
    public void MaskIouIsSymmetricBoundedAndEqualsBruteForce()
    {
        Check.One(MaskGen.Seeded(300, 6), Prop.ForAll(Arb.From(MaskGen.Pairs()), p =>
        {
            Rle a = Rle.Encode(p.A, p.Height, p.Width), b = Rle.Encode(p.B, p.Height, p.Width);
            int intersection = 0, union = 0, areaA = 0;
            for (int i = 0; i < p.A.Length; i++)
            {
                intersection += p.A[i] & p.B[i];
                union += p.A[i] | p.B[i];
                areaA += p.A[i];
            }

            double ab = CocoIou.Mask(a, b, false), ba = CocoIou.Mask(b, a, false);
            Assert.Equal(ab, ba);
            Assert.InRange(ab, 0, 1);
            Assert.Equal(intersection == 0 ? 0 : (double)intersection / union, ab);
            Assert.Equal(intersection == 0 ? 0 : (double)intersection / areaA, CocoIou.Mask(a, b, true));
            if (areaA > 0)
            {
                Assert.Equal(1.0, CocoIou.Mask(a, a, false));
            }
        }));
    }

    [Fact]
    public void MergeIsPixelwiseOrAndAnd()
    {
        Check.One(MaskGen.Seeded(300, 7), Prop.ForAll(Arb.From(MaskGen.Pairs()), p =>
        {
            Rle a = Rle.Encode(p.A, p.Height, p.Width), b = Rle.Encode(p.B, p.Height, p.Width);
            byte[] or = [.. p.A.Zip(p.B, (x, y) => (byte)(x | y))];
            byte[] and = [.. p.A.Zip(p.B, (x, y) => (byte)(x & y))];
            Assert.Equal(Rle.Encode(or, p.Height, p.Width).Counts.ToArray(), Rle.Merge([a, b]).Counts.ToArray());
            Assert.Equal(Rle.Encode(and, p.Height, p.Width).Counts.ToArray(), Rle.Merge([a, b], intersect: true).Counts.ToArray());
        }));
    }

    [Fact]
    public void BoxIouIsSymmetricBoundedAndOneWithItself()
    {
        Gen<BoxXywh> boxes =
            from x in Gen.Choose(-50, 200)
            from y in Gen.Choose(-50, 200)
            from w in Gen.Choose(0, 120)
            from h in Gen.Choose(0, 120)
            from fx in Gen.Choose(0, 99)
            select new BoxXywh(x + (fx / 100.0), y, w + (fx / 50.0), h);
        Check.One(MaskGen.Seeded(500, 8), Prop.ForAll(Arb.From(boxes), Arb.From(boxes), (a, b) =>
        {
            double ab = CocoIou.Box(a, b, false), ba = CocoIou.Box(b, a, false);
            Assert.Equal(ab, ba, 15);

            // In [0, 1] up to the rounding of (x + w) - x on fractional coordinates (pycocotools computes the same).
            Assert.InRange(ab, 0, 1 + 1e-12);
            if (a.Width > 0 && a.Height > 0)
            {
                // bbIou computes the overlap as (x + w) - x, exact only for integers: 1 up to rounding otherwise.
                Assert.Equal(1.0, CocoIou.Box(a, a, false), 12);
                var integral = new BoxXywh(Math.Floor(a.X), a.Y, Math.Ceiling(a.Width), a.Height);
                Assert.Equal(1.0, CocoIou.Box(integral, integral, false));
            }

            // Crowd rule: intersection over the detection's own area.
            double crowd = CocoIou.Box(a, b, true);
            Assert.InRange(crowd, 0, 1 + 1e-12);
            Assert.True(crowd >= ab - 1e-12);
        }));
    }

    [Fact]
    public void StreamingPolygonRasterisationEqualsTheLineByLineReference()
    {
        // Random polygons, including degenerate ones: repeated vertices, points outside the image, fractions at .5.
        Gen<(int H, int W, double[] Xy)> polygons =
            from h in Gen.Choose(1, 60)
            from w in Gen.Choose(1, 60)
            from n in Gen.Choose(1, 12)
            from coords in Gen.ArrayOf(Gen.Choose(-200, 700), n * 2)
            from halves in Gen.Elements(1.0, 2.0, 10.0)
            select (h, w, coords.Select(c => c / halves / 10.0 * 9).ToArray());
        Check.One(MaskGen.Seeded(500, 9), Prop.ForAll(Arb.From(polygons), p =>
        {
            Rle rle = Rle.FromPolygon(p.Xy, p.H, p.W);
            Assert.Equal(MaskApiReference.FrPoly(p.Xy, p.H, p.W), rle.Counts.ToArray());
            Assert.Equal((long)p.H * p.W, rle.Counts.ToArray().Sum(c => (long)c));
        }));
    }
}
