using Detserve.Backends.Cpu.Reference;
using FsCheck;
using FsCheck.Fluent;

namespace Detserve.Backends.Cpu.Tests;

public class NmsTests
{
    private static (float[] Boxes, float[] Scores, int[] Groups) Random(int seed, int count, int groups, bool ties)
    {
        var rng = new Random(seed);
        float[] boxes = TestData.Boxes(seed, count, 200f);
        float[] scores = Enumerable.Range(0, count).Select(_ => ties ? rng.Next(6) * 0.1f : rng.NextSingle()).ToArray();
        int[] g = Enumerable.Range(0, count).Select(_ => rng.Next(groups)).ToArray();
        return (boxes, scores, g);
    }

    [Theory]
    [InlineData(0, 1, false)]
    [InlineData(1, 1, false)]
    [InlineData(50, 3, true)]
    [InlineData(1000, 4, false)]   // 4000 coordinates: still the coordinate trick
    [InlineData(1001, 4, true)]    // 4004 coordinates: per-group ("vanilla") path
    [InlineData(3000, 5, false)]
    public void BatchedNms_MatchesReference(int count, int groups, bool ties)
    {
        var (boxes, scores, g) = Random(count + 11, count, groups, ties);
        foreach (double threshold in new[] { 0.5, 0.7 })
        {
            int[] keep = new int[count];
            int kept = Nms.BatchedNms(boxes, scores, g, count, threshold, keep);
            int[] expected = NmsReference.BatchedNms(boxes, scores, g, count, threshold);
            Assert.True(expected.SequenceEqual(keep[..kept]), $"BatchedNms count={count} groups={groups} ties={ties} thr={threshold}: kept {kept} vs reference {expected.Length}");
        }
    }

    [Fact]
    public void Nms_ComparesThresholdAsDouble_LikeTorchvision()
    {
        // torchvision compares the float IoU with a double threshold (`ovr > iou_threshold`). Pick a double threshold
        // just below the pair's float IoU whose float rounding equals that IoU: the double comparison suppresses, a
        // float one would not.
        float[] boxes = [0, 0, 1, 1, 0, 0, 1, 0.05f];
        float inter = 1f * 0.05f;
        float ovr = inter / (1f + (1f * 0.05f) - inter);
        double threshold = ovr - 1e-12;
        Assert.Equal(ovr, (float)threshold);
        int[] keep = new int[2];
        Assert.Equal(1, Nms.Suppress(boxes, [0.9f, 0.8f], 2, threshold, keep));
        Assert.Equal(2, Nms.Suppress(boxes, [0.9f, 0.8f], 2, (float)threshold, keep));
    }

    [Fact]
    public void Nms_Avx512Loop_ComparesThresholdAsDouble_LikeTorchvision()
    {
        // As above, with 40 boxes so the pair test runs in the 16-wide loop: box 0 against 39 copies of the thin box.
        const int n = 40;
        float[] boxes = new float[n * 4], scores = new float[n];
        boxes[2] = 1; boxes[3] = 1; scores[0] = 0.99f;
        for (int i = 1; i < n; i++)
        {
            boxes[(i * 4) + 2] = 1;
            boxes[(i * 4) + 3] = 0.05f;
            scores[i] = 0.5f - (i * 0.001f);
        }
        float inter = 1f * 0.05f;
        float ovr = inter / (1f + (1f * 0.05f) - inter);
        double threshold = ovr - 1e-12;
        int[] keep = new int[n];
        foreach (bool avx512 in new[] { true, false })
        {
            Assert.Equal(1, Nms.Suppress(boxes, scores, n, threshold, keep, avx512));
            Assert.Equal(2, Nms.Suppress(boxes, scores, n, (float)threshold, keep, avx512));
        }
    }

    [Theory]
    [InlineData(17, false)]
    [InlineData(300, true)]
    [InlineData(2000, false)]
    public void Nms_Avx512Loop_EqualsScalarLoop(int count, bool ties)
    {
        var (boxes, scores, _) = Random(count + 5, count, 1, ties);
        // Duplicates, touching and degenerate (zero-width, negative) boxes, which hit max/min ties and zero areas.
        for (int i = 0; i + 1 < count; i += 7) boxes.AsSpan(i * 4, 4).CopyTo(boxes.AsSpan((i + 1) * 4, 4));
        for (int i = 3; i < count; i += 11) boxes[(i * 4) + 2] = boxes[i * 4];
        for (int i = 5; i < count; i += 13) boxes[(i * 4) + 3] = boxes[(i * 4) + 1] - 1f;
        foreach (double threshold in new[] { 0.0, 0.3, 0.5, 0.7, 1.0 })
        {
            int[] vector = new int[count], scalar = new int[count];
            int kv = Nms.Suppress(boxes, scores, count, threshold, vector, allowAvx512: true);
            int ks = Nms.Suppress(boxes, scores, count, threshold, scalar, allowAvx512: false);
            Assert.True(vector.AsSpan(0, kv).SequenceEqual(scalar.AsSpan(0, ks)), $"Nms count={count} ties={ties} thr={threshold}: AVX-512 kept {kv}, scalar {ks}");
        }
    }

    private static Arbitrary<(float[] Boxes, float[] Scores, int[] Groups)> Inputs() =>
        Gen.Choose(0, 200).SelectMany(n => Gen.Choose(0, int.MaxValue - 1).Select(seed => Random(seed, n, 3, seed % 2 == 0))).ToArbitrary();

    [Fact]
    public void BatchedNms_Properties_SubsetSortedSuppressedIdempotent()
    {
        Prop.ForAll(Inputs(), input =>
        {
            var (boxes, scores, groups) = input;
            int n = scores.Length;
            const double thr = 0.5;
            int[] keep = new int[n];
            int k = Nms.BatchedNms(boxes, scores, groups, n, thr, keep);
            int[] kept = keep[..k];
            bool subset = kept.Distinct().Count() == k && kept.All(i => i >= 0 && i < n);
            bool sorted = Enumerable.Range(1, Math.Max(0, k - 1)).All(i => scores[kept[i - 1]] >= scores[kept[i]]);
            float[] iou = new float[n * n];
            Boxes.PairwiseIou(boxes, n, boxes, n, iou);
            bool separated = kept.All(a => kept.All(b => a == b || groups[a] != groups[b] || iou[(a * n) + b] <= thr));
            // NMS(NMS(x)) = NMS(x)
            float[] b2 = kept.SelectMany(i => boxes.Skip(i * 4).Take(4)).ToArray();
            float[] s2 = kept.Select(i => scores[i]).ToArray();
            int[] g2 = kept.Select(i => groups[i]).ToArray();
            int[] keep2 = new int[k];
            int k2 = Nms.BatchedNms(b2, s2, g2, k, thr, keep2);
            // Equal scores may come back in another order (std::sort is not stable), so compare the kept sets.
            bool idempotent = k2 == k && keep2.Select(i => kept[i]).Order().SequenceEqual(kept.Order());
            return subset && sorted && separated && idempotent;
        }).QuickCheckThrowOnFailure();
    }
}
