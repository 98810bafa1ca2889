using System.Globalization;
using Detserve.Backends.Cpu;
using Detserve.Backends.Cuda.Ops;
using Detserve.Graph.Spec;
using Detserve.Runtime;

namespace Detserve.Backends.Cuda.Tests.Gpu;

/// <summary>
/// The RetinaNet post-processing on the GPU against its CPU definitions on fresh seeded inputs: the multi-block per-level top-k
/// (<see cref="RetinaNetLevelTopKOp"/>) against "sigmoid, keep &gt; SCORE_THRESH_TEST in flattened order, topk" with exact ties
/// (lowest flattened index first) and against the CPU TopK where scores are distinct; the whole stage
/// (<see cref="RetinaNetPostprocessOp"/>) against Detserve.Runtime.RetinaNetInference. Shapes: rows of several tiles with a
/// partial last tile, levels of one cell, no candidates, one candidate, fewer candidates than TOPK_CANDIDATES_TEST, NaN logits.
/// </summary>
[Collection("gpu")]
[Trait("gpu", "true")]
public sealed class RetinaNetPostprocessOpTests(GpuFixture gpu)
{
    private const int A = 3;

    /// <summary>Level grids (H, W): the first has 61 x 47 x A x K scores, several tiles of 8192 with a partial last one.</summary>
    private static readonly (int H, int W)[] Levels = [(61, 47), (13, 17), (7, 9), (1, 1)];

    private static int[] Strides => [8, 16, 32, 64];

    public enum Logits
    {
        /// <summary>A shuffled progression over [-4, 2] (noise under half a step): no two scores are within several float32 ulps.</summary>
        Distinct,

        /// <summary>Eight values only: large groups of exactly equal scores straddle every level's k-th place.</summary>
        FewValues,

        /// <summary>Every logit equal.</summary>
        AllEqual,

        /// <summary>Distinct, with every 7th logit NaN (its score fails the threshold).</summary>
        WithNaN,

        /// <summary>All far below the threshold but one (one candidate in one level of one image).</summary>
        OneAbove,
    }

    private static float[] MakeLogits(Logits kind, int seed, int count)
    {
        var rng = new Random(seed);
        var v = new float[count];
        for (int i = 0; i < count; i++)
        {
            v[i] = kind switch
            {
                Logits.FewValues => -3f + (0.5f * rng.Next(8)),
                Logits.AllEqual => -1.25f,
                Logits.OneAbove => -20f,
                _ => (float)(-4.0 + (6.0 * (i + (0.4 * rng.NextDouble())) / count)),
            };
        }
        if (kind is Logits.Distinct or Logits.WithNaN) rng.Shuffle(v);
        if (kind == Logits.WithNaN)
            for (int i = 0; i < count; i += 7) v[i] = float.NaN;
        if (kind == Logits.OneAbove) v[rng.Next(count)] = 2f;
        return v;
    }

    [Theory]
    [InlineData(Logits.Distinct, 5, 1000, 0.05)]
    [InlineData(Logits.Distinct, 80, 100, 0.0)]
    [InlineData(Logits.FewValues, 5, 100, 0.05)]
    [InlineData(Logits.FewValues, 7, 1000, 0.05)]
    [InlineData(Logits.AllEqual, 5, 100, 0.05)]
    [InlineData(Logits.WithNaN, 5, 300, 0.05)]
    [InlineData(Logits.OneAbove, 5, 1000, 0.5)]
    [InlineData(Logits.Distinct, 5, 1000, 1.0)]
    public void LevelTopK_MatchesThresholdThenTopKPerLevel(Logits kind, int classes, int k, double threshold)
    {
        const int batch = 2;
        long[] planes = Levels.Select(l => (long)l.H * l.W).ToArray();
        int ak = A * classes;
        long perImage = planes.Sum() * ak;
        float[] logits = MakeLogits(kind, 11 + classes + k, (int)(batch * perImage));
        using var op = new RetinaNetLevelTopKOp(gpu.Kernels, batch, planes, A, classes, k, threshold);
        using DeviceBuffer dLogits = gpu.Upload<float>(logits);
        using DeviceBuffer dIndex = gpu.Device.Allocate((long)op.Rows * k * 4);
        using DeviceBuffer dScore = gpu.Poisoned((long)op.Rows * k);
        using DeviceBuffer dCount = gpu.Device.Allocate(op.Rows * 4L);
        // Twice: the second run must not see the first one's state (graph replays reuse the scratch the same way).
        op.Enqueue(dLogits, dIndex, dScore, dCount, gpu.Stream);
        dLogits.Upload<float>(logits, gpu.Stream);
        op.Enqueue(dLogits, dIndex, dScore, dCount, gpu.Stream);
        float[] scores = gpu.Download(dLogits, logits.Length);
        var index = new int[op.Rows * k];
        dIndex.Download<int>(index, gpu.Stream);
        float[] top = gpu.Download(dScore, index.Length);
        var count = new int[op.Rows];
        dCount.Download<int>(count, gpu.Stream);

        // The in-place sigmoid against the CPU's (TensorPrimitives.Sigmoid), within float32 rounding of exp.
        var cpuSigmoid = new float[logits.Length];
        Activations.Sigmoid(logits, cpuSigmoid);
        Parity.AssertClose("RetinaNetLevelTopK sigmoid", $"{kind}", cpuSigmoid, scores, 1e-7f, 1e-6f);

        int totalTaken = 0;
        for (int n = 0; n < batch; n++)
        {
            long levelStart = n * perImage;
            for (int l = 0; l < Levels.Length; l++)
            {
                int r = (n * Levels.Length) + l, plane = (int)planes[l];
                string p = string.Create(CultureInfo.InvariantCulture, $"{kind}, image {n} level {l} ({Levels[l].H}x{Levels[l].W}x{A}x{classes}), k {k}, thresh {threshold}");
                // The definition on the device's own scores: the kept list in flattened (y, x, a, c) order, stably sorted by score.
                var keptFlat = new List<int>();
                var keptScore = new List<float>();
                for (int yx = 0; yx < plane; yx++)
                    for (int c = 0; c < ak; c++)
                    {
                        float s = scores[levelStart + ((long)c * plane) + yx];
                        if (s > threshold)
                        {
                            keptFlat.Add((yx * ak) + c);
                            keptScore.Add(s);
                        }
                    }
                int[] order = Enumerable.Range(0, keptFlat.Count).OrderByDescending(j => keptScore[j]).ThenBy(j => keptFlat[j]).ToArray();
                int expectedCount = Math.Min(k, keptFlat.Count);
                Assert.True(expectedCount == count[r], $"RetinaNetLevelTopK ({p}): count {count[r]}, expected {expectedCount}");
                var expectedIndex = new int[expectedCount];
                var expectedScore = new float[expectedCount];
                for (int j = 0; j < expectedCount; j++)
                {
                    int flat = keptFlat[order[j]];
                    expectedIndex[j] = ((flat % ak) * plane) + (flat / ak);
                    expectedScore[j] = keptScore[order[j]];
                }
                Parity.AssertEqual("RetinaNetLevelTopK indices", p, expectedIndex.AsSpan(), index.AsSpan(r * k, expectedCount));
                Parity.AssertClose("RetinaNetLevelTopK scores", p, expectedScore, top.AsSpan(r * k, expectedCount), 0f, 0f);
                if (kind is Logits.Distinct or Logits.WithNaN or Logits.OneAbove)
                {
                    // Distinct scores: also what the CPU TopK (torch.topk's libstdc++ order) picks from the kept list.
                    var cpuOrder = new int[expectedCount];
                    TopK.Indices(keptScore.ToArray(), expectedCount, cpuOrder);
                    int[] cpuIndex = cpuOrder.Select(j => ((keptFlat[j] % ak) * plane) + (keptFlat[j] / ak)).ToArray();
                    Parity.AssertEqual("RetinaNetLevelTopK vs CPU TopK", p, cpuIndex.AsSpan(), index.AsSpan(r * k, expectedCount));
                }
                totalTaken += expectedCount;
                levelStart += (long)plane * ak;
            }
        }
        if (threshold < 1.0) Assert.True(totalTaken > 0, $"{kind}: no candidates at all, the case tests nothing");
        else Assert.Equal(0, totalTaken);
    }

    [Theory]
    [InlineData(5, 1000, 0.05, 2)]
    [InlineData(12, 100, 0.05, 3)]
    [InlineData(5, 1000, 1.0, 2)]
    [InlineData(4, 50, 0.5, 1)]
    public void Postprocess_MatchesRetinaNetInference(int classes, int k, double threshold, int batch)
    {
        var spec = new RetinaNetSpec(classes, ["p3", "p4", "p5", "p6"], 4, "", threshold, k, 0.5, [1.0, 1.0, 1.0, 1.0], 100);
        var anchorSpec = new AnchorSpec(
            Strides.Select(s => (IReadOnlyList<double>)[s * 4.0]).ToArray(),
            Strides.Select(_ => (IReadOnlyList<double>)[0.5, 1.0, 2.0]).ToArray(), 0.0, Strides);
        var anchors = new LevelAnchors(anchorSpec);
        var cls = new List<FeatureMap>();
        var box = new List<FeatureMap>();
        var rng = new Random(1000 + classes + k);
        for (int l = 0; l < Levels.Length; l++)
        {
            (int h, int w) = Levels[l];
            float[] logits = threshold >= 0.5 && k == 50
                ? Enumerable.Repeat(-20f, batch * A * classes * h * w).ToArray()
                : MakeLogits(Logits.Distinct, 50 + l + classes, batch * A * classes * h * w);
            if (threshold >= 0.5 && k == 50 && l == 1) logits[rng.Next(logits.Length)] = 1.5f;
            float[] deltas = Parity.Random(70 + l, batch * A * 4 * h * w, -0.5f, 0.5f);
            cls.Add(new FeatureMap(logits, batch, A * classes, h, w));
            box.Add(new FeatureMap(deltas, batch, A * 4, h, w));
        }
        long[] planes = Levels.Select(l => (long)l.H * l.W).ToArray();
        long anchorsPerImage = planes.Sum() * A;
        var logitsAll = new float[batch * anchorsPerImage * classes];
        var deltasAll = new float[batch * anchorsPerImage * 4];
        var anchorsAll = new List<float>();
        for (int n = 0; n < batch; n++)
        {
            long lo = n * anchorsPerImage * classes, dOff = n * anchorsPerImage * 4;
            for (int l = 0; l < Levels.Length; l++)
            {
                cls[l].Image(n).CopyTo(logitsAll.AsSpan((int)lo));
                box[l].Image(n).CopyTo(deltasAll.AsSpan((int)dOff));
                lo += cls[l].ImageStride;
                dOff += box[l].ImageStride;
            }
        }
        for (int l = 0; l < Levels.Length; l++) anchorsAll.AddRange(anchors.Grid(l, Levels[l].H, Levels[l].W));

        using var op = new RetinaNetPostprocessOp(gpu.Kernels, batch, planes, A, classes, k, threshold, 0.5, [1f, 1f, 1f, 1f], 100);
        using DeviceBuffer dLogits = gpu.Upload<float>(logitsAll);
        using DeviceBuffer dDeltas = gpu.Upload<float>(deltasAll);
        using DeviceBuffer dAnchors = gpu.Upload<float>(anchorsAll.ToArray());
        using DeviceBuffer dBoxes = gpu.Poisoned(batch * 100L * 4);
        using DeviceBuffer dScores = gpu.Poisoned(batch * 100L);
        using DeviceBuffer dClasses = gpu.Device.Allocate(batch * 100L * 4);
        using DeviceBuffer dCounts = gpu.Device.Allocate(batch * 4L);
        var parts = new List<string>();
        op.Enqueue(dLogits, dDeltas, dAnchors, dBoxes, dScores, dClasses, dCounts, gpu.Stream, parts.Add);
        Assert.Equal(["level_topk", "decode", "class_topk", "nms"], parts);
        float[] boxes = gpu.Download(dBoxes, batch * 100L * 4);
        float[] scores = gpu.Download(dScores, batch * 100L);
        var classesOut = new int[batch * 100];
        dClasses.Download<int>(classesOut, gpu.Stream);
        var counts = new int[batch];
        dCounts.Download<int>(counts, gpu.Stream);
        Assert.Equal(0, op.ReadNmsOverflow(gpu.Stream));

        var inference = new RetinaNetInference(spec, anchors);
        int total = 0;
        for (int n = 0; n < batch; n++)
        {
            Detections expected = inference.Run(cls, box, n);
            string p = string.Create(CultureInfo.InvariantCulture, $"image {n}, {classes} classes, k {k}, thresh {threshold}, batch {batch}");
            Assert.True(expected.Count == counts[n], $"RetinaNetPostprocess ({p}): {counts[n]} detections, expected {expected.Count}");
            for (int i = 0; i < expected.Count; i++)
            {
                int g = (n * 100) + i;
                string at = $"{p}, detection {i}";
                Assert.True(expected.Labels[i] == classesOut[g], $"RetinaNetPostprocess ({at}): class {classesOut[g]}, expected {expected.Labels[i]}");
                Parity.AssertClose("RetinaNetPostprocess score", at, expected.Scores.AsSpan(i, 1), scores.AsSpan(g, 1), 1e-7f, 1e-6f);
                Parity.AssertClose("RetinaNetPostprocess box", at, expected.Boxes.AsSpan(4 * i, 4), boxes.AsSpan(4 * g, 4), 1e-3f, 1e-5f);
            }
            for (int i = expected.Count; i < 100; i++)
                Assert.True(classesOut[(n * 100) + i] == -1, $"RetinaNetPostprocess ({p}): slot {i} past the count holds class {classesOut[(n * 100) + i]}");
            total += expected.Count;
        }
        if (threshold >= 1.0) Assert.Equal(0, total);
        else Assert.True(total > 0, "no detections: the case tests nothing");
    }

    [Fact]
    public void LevelTopK_RefusesKOutsideTheSortCapacity_NamingTheArgument()
    {
        var e = Assert.Throws<ShapeException>(() => new RetinaNetLevelTopKOp(gpu.Kernels, 1, [4L], A, 2, TopKOp.MaxK + 1, 0.05));
        Assert.Contains("k", e.Message, StringComparison.Ordinal);
    }
}
