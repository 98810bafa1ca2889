using Detserve.Backends.Cpu;
using Detserve.Backends.Cuda.Ops;

namespace Detserve.Backends.Cuda.Tests.Gpu;

[Collection("gpu")]
[Trait("gpu", "true")]
public sealed class SelectionOpTests(GpuFixture gpu)
{
    /// <summary>Distinct random floats (a shuffled arithmetic progression with noise) so the order is unique.</summary>
    private static float[] DistinctValues(int seed, int n)
    {
        var rng = new Random(seed);
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = (i - (n / 2)) * 0.001f + (float)(rng.NextDouble() * 0.0005);
        rng.Shuffle(values);
        return values;
    }

    [Fact]
    public void TopK_ManyRows_MatchesCpuPerRow()
    {
        int[] counts = [0, 1, 5, 1000, 4999, 120000, 1023];
        const int k = 1000;
        var rows = counts.Select((n, r) => DistinctValues(100 + r, n)).ToArray();
        rows[4][17] = float.NaN;
        var offsets = new long[counts.Length];
        for (int r = 1; r < counts.Length; r++) offsets[r] = offsets[r - 1] + counts[r - 1];
        float[] all = rows.SelectMany(x => x).ToArray();
        using var dValues = gpu.Upload<float>(all);
        using var dOffsets = gpu.Upload<long>(offsets);
        using var dCounts = gpu.Upload<int>(counts);
        using var dIdx = gpu.Device.Allocate((long)counts.Length * k * 4);
        using var dVal = gpu.Poisoned((long)counts.Length * k);
        using var dOutCounts = gpu.Device.Allocate(counts.Length * 4L);
        new TopKOp(gpu.Kernels, k).Enqueue(dValues, dOffsets, dCounts, counts.Length, k, null, dIdx, dVal, dOutCounts, gpu.Stream);
        var idx = new int[counts.Length * k];
        dIdx.Download<int>(idx, gpu.Stream);
        float[] val = gpu.Download(dVal, idx.Length);
        var outCounts = new int[counts.Length];
        dOutCounts.Download<int>(outCounts, gpu.Stream);
        for (int r = 0; r < counts.Length; r++)
        {
            var expectedIdx = new int[Math.Min(k, counts[r])];
            var expectedVal = new float[expectedIdx.Length];
            int c = TopK.Indices(rows[r], k, expectedIdx, expectedVal);
            string p = $"row {r} of {counts[r]} values, k {k}";
            Assert.True(c == outCounts[r], $"TopK ({p}): count {outCounts[r]}, expected {c}");
            Parity.AssertEqual("TopK indices", p, expectedIdx.AsSpan(), idx.AsSpan(r * k, c));
            Parity.AssertClose("TopK values", p, expectedVal, val.AsSpan(r * k, c), 0f, 0f);
        }
    }

    [Fact]
    public void TopK_AllTies_ReturnsTheLowestIndicesAndEqualValues()
    {
        var values = Enumerable.Repeat(0.5f, 3000).ToArray();
        values[2999] = 0.75f;
        using var dValues = gpu.Upload<float>(values);
        using var dOffsets = gpu.Upload<long>([0L]);
        using var dCounts = gpu.Upload<int>([values.Length]);
        using var dIdx = gpu.Device.Allocate(100 * 4);
        using var dVal = gpu.Poisoned(100);
        using var dOutCounts = gpu.Device.Allocate(4);
        new TopKOp(gpu.Kernels, 100).Enqueue(dValues, dOffsets, dCounts, 1, 100, null, dIdx, dVal, dOutCounts, gpu.Stream);
        var idx = new int[100];
        dIdx.Download<int>(idx, gpu.Stream);
        int[] expected = [2999, .. Enumerable.Range(0, 99)];
        Parity.AssertEqual("TopK ties", "3000 values, 2999 equal, k 100", expected.AsSpan(), idx.AsSpan());
    }

    /// <summary>Clustered random boxes (so NMS suppresses a lot) with distinct scores, groups cycling.</summary>
    private static (float[] Boxes, float[] Scores, int[] Groups) Candidates(int seed, int count, int numGroups, float extent)
    {
        var rng = new Random(seed);
        var boxes = new float[count * 4];
        var centres = Enumerable.Range(0, 12).Select(_ => (X: (float)rng.NextDouble() * extent, Y: (float)rng.NextDouble() * extent)).ToArray();
        for (int i = 0; i < count; i++)
        {
            var (cx, cy) = centres[rng.Next(centres.Length)];
            float w = 20 + (float)rng.NextDouble() * 80, h = 20 + (float)rng.NextDouble() * 80;
            cx += (float)(rng.NextDouble() - 0.5) * 30; cy += (float)(rng.NextDouble() - 0.5) * 30;
            boxes[i * 4] = cx - w / 2; boxes[i * 4 + 1] = cy - h / 2; boxes[i * 4 + 2] = cx + w / 2; boxes[i * 4 + 3] = cy + h / 2;
        }
        float[] scores = DistinctValues(seed + 1, count);
        int[] groups = Enumerable.Range(0, count).Select(i => rng.Next(numGroups)).ToArray();
        return (boxes, scores, groups);
    }

    [Theory]
    [InlineData(0, 5, 0.7, 1000)]
    [InlineData(1, 5, 0.7, 1000)]
    [InlineData(1000, 5, 0.7, 1000)]
    [InlineData(1001, 5, 0.7, 1000)]
    [InlineData(4700, 5, 0.7, 1000)]
    [InlineData(3000, 80, 0.5, 100)]
    [InlineData(999, 1, 0.3, 50)]
    public void BatchedNms_MatchesCpu(int count, int numGroups, double iou, int maxOutput)
    {
        const int capacity = 5000;
        var (boxes, scores, groups) = Candidates(count + numGroups, count, numGroups, 600f);
        var expectedAll = new int[count];
        int kept = Nms.BatchedNms(boxes, scores, groups, count, iou, expectedAll);
        int expectedCount = Math.Min(kept, maxOutput);
        int maxGroup = Math.Max(1, groups.GroupBy(g => g).Select(g => g.Count()).DefaultIfEmpty(0).Max());
        // Pad to capacity with garbage that must be ignored: NaN boxes, huge scores, an out-of-range group.
        var paddedBoxes = new float[capacity * 4];
        var paddedScores = new float[capacity];
        var paddedGroups = new int[capacity];
        Array.Fill(paddedBoxes, float.NaN);
        Array.Fill(paddedScores, 1e30f);
        Array.Fill(paddedGroups, 0);
        boxes.CopyTo(paddedBoxes, 0);
        scores.CopyTo(paddedScores, 0);
        groups.CopyTo(paddedGroups, 0);
        using var nms = new BatchedNmsOp(gpu.Kernels, capacity, numGroups, Math.Min(1024, Math.Max(maxGroup, 1)), maxOutput);
        using var dBoxes = gpu.Upload<float>(paddedBoxes);
        using var dScores = gpu.Upload<float>(paddedScores);
        using var dGroups = gpu.Upload<int>(paddedGroups);
        using var dCount = gpu.Upload<int>([count]);
        using var dKeep = gpu.Device.Allocate(maxOutput * 4L);
        using var dKeepCount = gpu.Device.Allocate(4);
        using var dKeepScores = gpu.Poisoned(maxOutput);
        nms.Enqueue(dBoxes, dScores, dGroups, dCount, iou, dKeep, dKeepCount, dKeepScores, gpu.Stream);
        var keepCount = new int[1];
        dKeepCount.Download<int>(keepCount, gpu.Stream);
        var keep = new int[maxOutput];
        dKeep.Download<int>(keep, gpu.Stream);
        string p = $"{count} candidates, {numGroups} groups, iou {iou}, keep {maxOutput}, group capacity {nms.GroupCapacity}";
        Assert.True(nms.ReadOverflow(gpu.Stream) == 0, $"BatchedNms ({p}): a group overflowed");
        Assert.True(expectedCount == keepCount[0], $"BatchedNms ({p}): kept {keepCount[0]}, expected {expectedCount} (of {kept} before truncation)");
        Parity.AssertEqual("BatchedNms", p, expectedAll.AsSpan(0, expectedCount), keep.AsSpan(0, expectedCount));
        float[] keptScores = gpu.Download(dKeepScores, expectedCount);
        Parity.AssertClose("BatchedNms scores", p, expectedAll.Take(expectedCount).Select(i => scores[i]).ToArray(), keptScores, 0f, 0f);
    }
}
