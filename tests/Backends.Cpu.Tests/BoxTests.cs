using Detserve.Backends.Cpu.Reference;
using FsCheck;
using FsCheck.Fluent;

namespace Detserve.Backends.Cpu.Tests;

public class BoxTests
{
    [Fact]
    public void ApplyDeltas_MatchesReference_WithClampAndManyBoxesPerRow()
    {
        float[] weights = [10, 10, 5, 5];
        foreach ((int count, int k) in new[] { (0, 1), (1, 1), (100, 3), (37, 80) })
        {
            float[] boxes = TestData.Boxes(count, count, 800f);
            float[] deltas = TestData.Uniform(count + 1, count * 4 * k, -30f, 30f); // large dw/dh hit the clamp
            float[] actual = new float[deltas.Length];
            Box2BoxTransform.ApplyDeltas(boxes, deltas, count, k, weights, Box2BoxTransform.DefaultScaleClamp, actual);
            float[] expected = Box2BoxTransformReference.ApplyDeltas(boxes, deltas, count, k, weights, Box2BoxTransform.DefaultScaleClamp);
            TestData.AssertClose(expected, actual, 0f, 0f, $"ApplyDeltas count={count} k={k}");
        }
    }

    [Fact]
    public void DefaultScaleClamp_IsFloatOfLog1000Over16()
    {
        Assert.Equal(Box2BoxTransform.DefaultScaleClamp, (float)Math.Log(1000.0 / 16));
    }

    [Fact]
    public void ApplyDeltas_OfGetDeltas_RoundTrips()
    {
        Gen<float> coord = Gen.Choose(0, 100000).Select(i => i / 100f);
        Gen<float[]> box = Gen.Zip(Gen.Zip(coord, coord), Gen.Zip(Gen.Choose(1, 50000), Gen.Choose(1, 50000)))
            .Select(t => new[] { t.Item1.Item1, t.Item1.Item2, t.Item1.Item1 + (t.Item2.Item1 / 100f), t.Item1.Item2 + (t.Item2.Item2 / 100f) });
        Prop.ForAll(Gen.Zip(box, box).ToArbitrary(), pair =>
        {
            float[] weights = [10, 10, 5, 5];
            float[] deltas = new float[4], decoded = new float[4];
            Box2BoxTransform.GetDeltas(pair.Item1, pair.Item2, 1, weights, deltas);
            Box2BoxTransform.ApplyDeltas(pair.Item1, deltas, 1, 1, weights, float.PositiveInfinity, decoded);
            float tolerance = 1e-3f + (1e-5f * pair.Item2.Max(MathF.Abs));
            return Enumerable.Range(0, 4).All(i => MathF.Abs(decoded[i] - pair.Item2[i]) <= tolerance);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void PairwiseIou_IsSymmetric_InUnitInterval_AndOneOnItself()
    {
        Prop.ForAll(Gen.Choose(0, int.MaxValue - 1).ToArbitrary(), seed =>
        {
            float[] a = TestData.Boxes(seed, 6, 50f, 0.1f), b = TestData.Boxes(seed + 1, 4, 50f, 0.1f);
            float[] ab = new float[24], ba = new float[24], aa = new float[36];
            Boxes.PairwiseIou(a, 6, b, 4, ab);
            Boxes.PairwiseIou(b, 4, a, 6, ba);
            Boxes.PairwiseIou(a, 6, a, 6, aa);
            bool symmetric = Enumerable.Range(0, 6).All(i => Enumerable.Range(0, 4).All(j => ab[(i * 4) + j] == ba[(j * 6) + i]));
            bool unit = ab.All(v => v >= 0f && v <= 1f);
            bool self = Enumerable.Range(0, 6).All(i => aa[(i * 6) + i] == 1f);
            return symmetric && unit && self;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void PairwiseIou_MatchesReference_AndEmptyBoxesGiveZero()
    {
        float[] a = TestData.Boxes(1, 20, 30f), b = TestData.Boxes(2, 9, 30f);
        b[0] = b[2]; // zero-width box
        float[] actual = new float[180];
        Boxes.PairwiseIou(a, 20, b, 9, actual);
        TestData.AssertClose(BoxesReference.PairwiseIou(a, 20, b, 9), actual, 0f, 0f, "PairwiseIou");
        for (int i = 0; i < 20; i++) Assert.Equal(0f, actual[i * 9]);
    }

    [Fact]
    public void Clip_ClampsToWidthAndHeight_AndNonEmptyDropsDegenerate()
    {
        float[] boxes = [-5, -1, 700, 300, 10, 10, 10, 20, 3, 4, 5, 6];
        Boxes.Clip(boxes, 3, 200f, 640f);
        Assert.Equal(new float[] { 0, 0, 640, 200, 10, 10, 10, 20, 3, 4, 5, 6 }, boxes);
        bool[] keep = new bool[3];
        Assert.Equal(2, Boxes.NonEmpty(boxes, 3, keep));
        Assert.Equal(new[] { true, false, true }, keep);
        float[] areas = new float[3];
        Boxes.Area(boxes, 3, areas);
        Assert.Equal(new float[] { 640 * 200, 0, 4 }, areas);
    }

    [Fact]
    public void Anchors_MatchReference_AndDetectron2CellValues()
    {
        double[] sizes = [32], ratios = [0.5, 1.0, 2.0];
        float[] cell = AnchorGenerator.CellAnchors(sizes, ratios);
        // w = sqrt(32² / 0.5) = 45.254833995939045, h = 0.5 · w.
        Assert.Equal(new[] { -22.627417f, -11.313708f, 22.627417f, 11.313708f }, cell[..4]);
        Assert.Equal(new[] { -16f, -16f, 16f, 16f }, cell[4..8]);
        foreach ((int h, int w, int stride, double offset) in new[] { (1, 1, 4, 0.0), (25, 34, 32, 0.0), (7, 5, 8, 0.5) })
        {
            double[] retinaSizes = [32, 40.31747359663594, 50.79683366298238];
            float[] c = AnchorGenerator.CellAnchors(retinaSizes, ratios);
            float[] actual = new float[h * w * 9 * 4];
            AnchorGenerator.GridAnchors(c, 9, h, w, stride, offset, actual);
            TestData.AssertClose(AnchorGeneratorReference.GridAnchors(retinaSizes, ratios, h, w, stride, offset), actual, 0f, 0f, $"GridAnchors {h}x{w} stride {stride} offset {offset}");
        }
    }
}
