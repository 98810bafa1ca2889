using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Detserve.Backends.Cpu.Sorting;

namespace Detserve.Backends.Cpu;

/// <summary>
/// torchvision's CPU non-maximum suppression (torchvision/csrc/ops/cpu/nms_kernel.cpp) and batched_nms
/// (torchvision/ops/boxes.py, which detectron2/layers/nms.py calls on float boxes). Boxes are (x1, y1, x2, y2) float32;
/// areas are (x2 − x1)·(y2 − y1) without +1; a box is suppressed when IoU &gt; threshold, the threshold compared as a
/// double like the kernel's `ovr > iou_threshold`. Scores are ordered by libstdc++'s std::sort (Tensor.sort with
/// descending=True on CPU is not stable), so ties come out in PyTorch's order.
/// </summary>
public static class Nms
{
    /// <summary>Above this many box coordinates batched_nms runs NMS per group ("vanilla"), else on offset boxes (torchvision: numel &gt; 4000 on CPU).</summary>
    public const int VanillaThresholdElements = 4000;

    /// <summary>torchvision.ops.nms: indices of kept boxes, by decreasing score. Returns the count written to <paramref name="keep"/>.</summary>
    public static int Suppress(ReadOnlySpan<float> boxesXyxy, ReadOnlySpan<float> scores, int count, double iouThreshold, Span<int> keep)
    {
        CheckArgs(boxesXyxy, scores, count, keep);
        if (count == 0) return 0;
        return SuppressCore(boxesXyxy, scores, count, iouThreshold, keep);
    }

    /// <summary>As <see cref="Suppress"/>, with the AVX-512 loop allowed or not (tests compare the two).</summary>
    internal static int Suppress(ReadOnlySpan<float> boxesXyxy, ReadOnlySpan<float> scores, int count, double iouThreshold, Span<int> keep, bool allowAvx512)
    {
        CheckArgs(boxesXyxy, scores, count, keep);
        if (count == 0) return 0;
        return SuppressCore(boxesXyxy, scores, count, iouThreshold, keep, allowAvx512);
    }

    /// <summary>
    /// torchvision.ops.batched_nms: NMS independently per value of <paramref name="groups"/>; the kept indices are
    /// written to <paramref name="keep"/> sorted by decreasing score. Returns the count.
    /// </summary>
    /// <remarks>Pass the threshold as the config's double (e.g. 0.7) to compare exactly as torchvision does; this float overload widens it.</remarks>
    public static int BatchedNms(ReadOnlySpan<float> boxesXyxy, ReadOnlySpan<float> scores, ReadOnlySpan<int> groups, int count, float iouThreshold, Span<int> keep)
        => BatchedNms(boxesXyxy, scores, groups, count, (double)iouThreshold, keep);

    /// <summary>torchvision.ops.batched_nms with the threshold as a double (Detectron2 passes Python floats).</summary>
    public static int BatchedNms(ReadOnlySpan<float> boxesXyxy, ReadOnlySpan<float> scores, ReadOnlySpan<int> groups, int count, double iouThreshold, Span<int> keep)
    {
        CheckArgs(boxesXyxy, scores, count, keep);
        ShapeException.ThrowIfLengthBelow("Nms", nameof(groups), count, groups.Length);
        if (count == 0) return 0;
        return (long)count * 4 > VanillaThresholdElements
            ? BatchedVanilla(boxesXyxy, scores, groups, count, iouThreshold, keep)
            : BatchedCoordinateTrick(boxesXyxy, scores, groups, count, iouThreshold, keep);
    }

    // _batched_nms_coordinate_trick: offsets = idxs.to(boxes) * (boxes.max() + 1), all in float32.
    private static int BatchedCoordinateTrick(ReadOnlySpan<float> boxes, ReadOnlySpan<float> scores, ReadOnlySpan<int> groups, int count, double threshold, Span<int> keep)
    {
        float max = float.NegativeInfinity;
        for (int i = 0; i < count * 4; i++)
        {
            float v = boxes[i];
            if (v > max || float.IsNaN(v)) max = v;
        }
        float step = max + 1f;
        float[] shifted = new float[count * 4];
        for (int i = 0; i < count; i++)
        {
            float offset = groups[i] * step;
            for (int c = 0; c < 4; c++) shifted[(i * 4) + c] = boxes[(i * 4) + c] + offset;
        }
        return SuppressCore(shifted, scores, count, threshold, keep);
    }

    // _batched_nms_vanilla: nms per torch.unique(idxs), mark kept, then sort the kept (in index order) by score, descending.
    private static int BatchedVanilla(ReadOnlySpan<float> boxes, ReadOnlySpan<float> scores, ReadOnlySpan<int> groups, int count, double threshold, Span<int> keep)
    {
        var members = new SortedDictionary<int, List<int>>();
        for (int i = 0; i < count; i++)
        {
            if (!members.TryGetValue(groups[i], out List<int>? list)) members[groups[i]] = list = [];
            list.Add(i);
        }
        bool[] kept = new bool[count];
        float[] subBoxes = new float[count * 4];
        float[] subScores = new float[count];
        int[] subKeep = new int[count];
        foreach (List<int> idx in members.Values)
        {
            for (int j = 0; j < idx.Count; j++)
            {
                boxes.Slice(idx[j] * 4, 4).CopyTo(subBoxes.AsSpan(j * 4, 4));
                subScores[j] = scores[idx[j]];
            }
            int k = SuppressCore(subBoxes, subScores, idx.Count, threshold, subKeep);
            for (int j = 0; j < k; j++) kept[idx[subKeep[j]]] = true;
        }
        var order = new List<ScoredIndex>();
        for (int i = 0; i < count; i++)
            if (kept[i]) order.Add(new ScoredIndex(scores[i], i));
        ScoredIndex[] sorted = order.ToArray();
        // scores[keep].sort(descending=True)[1] sorts positions within `keep`; carrying the original index is equivalent.
        LibStdCxxDescending.Sort(sorted);
        for (int i = 0; i < sorted.Length; i++) keep[i] = sorted[i].Index;
        return sorted.Length;
    }

    private static int SuppressCore(ReadOnlySpan<float> boxes, ReadOnlySpan<float> scores, int count, double threshold, Span<int> keep, bool allowAvx512 = true)
    {
        ScoredIndex[] order = new ScoredIndex[count];
        for (int i = 0; i < count; i++) order[i] = new ScoredIndex(scores[i], i);
        LibStdCxxDescending.Sort(order);

        // Coordinates and areas gathered in score order so the inner loop streams through memory; the arithmetic is
        // the kernel's, element for element: areas (x2 - x1)*(y2 - y1), std::max/std::min, inter / (a_i + a_j - inter).
        float[] x1 = new float[count], y1 = new float[count], x2 = new float[count], y2 = new float[count], areas = new float[count];
        for (int o = 0; o < count; o++)
        {
            int i = order[o].Index;
            x1[o] = boxes[i * 4];
            y1[o] = boxes[(i * 4) + 1];
            x2[o] = boxes[(i * 4) + 2];
            y2[o] = boxes[(i * 4) + 3];
            areas[o] = (x2[o] - x1[o]) * (y2[o] - y1[o]);
        }
        bool[] suppressed = new bool[count];
        if (allowAvx512 && Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
            return SuppressAvx512(x1, y1, x2, y2, areas, order, count, threshold, keep);
        int kept = 0;
        for (int oi = 0; oi < count; oi++)
        {
            if (suppressed[oi]) continue;
            keep[kept++] = order[oi].Index;
            float ix1 = x1[oi], iy1 = y1[oi], ix2 = x2[oi], iy2 = y2[oi], iarea = areas[oi];
            for (int oj = oi + 1; oj < count; oj++)
            {
                if (suppressed[oj]) continue;
                // std::max / std::min of two floats: the first argument unless the second compares greater / less.
                float xx1 = StdMax(ix1, x1[oj]);
                float yy1 = StdMax(iy1, y1[oj]);
                float xx2 = StdMin(ix2, x2[oj]);
                float yy2 = StdMin(iy2, y2[oj]);
                float w = StdMax(0f, xx2 - xx1);
                float h = StdMax(0f, yy2 - yy1);
                float inter = w * h;
                float ovr = inter / (iarea + areas[oj] - inter);
                if (ovr > threshold) suppressed[oj] = true;
            }
        }
        return kept;
    }

    /// <summary>
    /// The greedy loop of <see cref="SuppressCore"/>, sixteen later boxes at a time. Bit-identical to the scalar loop:
    /// std::max(a, b) (a &lt; b ? b : a) is vmaxps(b, a) and std::min(a, b) (b &lt; a ? b : a) is vminps(b, a), NaN
    /// and signed zeros included; the sums, product and quotient are the same IEEE operations in the same order; and
    /// (double)ovr &gt; threshold equals ovr &gt; the largest float not above threshold. Testing already-suppressed
    /// boxes again changes nothing (suppression only sets flags), so the vector loop does not skip them.
    /// </summary>
    private static int SuppressAvx512(float[] x1, float[] y1, float[] x2, float[] y2, float[] areas, ScoredIndex[] order, int count, double threshold, Span<int> keep)
    {
        float floatThreshold = (float)threshold;
        if ((double)floatThreshold > threshold) floatThreshold = MathF.BitDecrement(floatThreshold);
        var limit = Vector512.Create(floatThreshold);
        int[] suppressed = new int[count + Vector512<int>.Count];
        int kept = 0;
        for (int oi = 0; oi < count; oi++)
        {
            if (suppressed[oi] != 0) continue;
            keep[kept++] = order[oi].Index;
            Vector512<float> ix1 = Vector512.Create(x1[oi]), iy1 = Vector512.Create(y1[oi]);
            Vector512<float> ix2 = Vector512.Create(x2[oi]), iy2 = Vector512.Create(y2[oi]), iarea = Vector512.Create(areas[oi]);
            int oj = oi + 1;
            for (; oj <= count - Vector512<float>.Count; oj += Vector512<float>.Count)
            {
                Vector512<float> xx1 = Avx512F.Max(Vector512.Create(x1.AsSpan(oj)), ix1);
                Vector512<float> yy1 = Avx512F.Max(Vector512.Create(y1.AsSpan(oj)), iy1);
                Vector512<float> xx2 = Avx512F.Min(Vector512.Create(x2.AsSpan(oj)), ix2);
                Vector512<float> yy2 = Avx512F.Min(Vector512.Create(y2.AsSpan(oj)), iy2);
                Vector512<float> w = Avx512F.Max(xx2 - xx1, Vector512<float>.Zero);
                Vector512<float> h = Avx512F.Max(yy2 - yy1, Vector512<float>.Zero);
                Vector512<float> inter = w * h;
                Vector512<float> ovr = inter / (iarea + Vector512.Create(areas.AsSpan(oj)) - inter);
                Vector512<int> over = Vector512.GreaterThan(ovr, limit).AsInt32();
                Span<int> flags = suppressed.AsSpan(oj, Vector512<int>.Count);
                (Vector512.Create((ReadOnlySpan<int>)flags) | over).CopyTo(flags);
            }
            float sx1 = x1[oi], sy1 = y1[oi], sx2 = x2[oi], sy2 = y2[oi], sarea = areas[oi];
            for (; oj < count; oj++)
            {
                float xx1 = StdMax(sx1, x1[oj]);
                float yy1 = StdMax(sy1, y1[oj]);
                float xx2 = StdMin(sx2, x2[oj]);
                float yy2 = StdMin(sy2, y2[oj]);
                float w = StdMax(0f, xx2 - xx1);
                float h = StdMax(0f, yy2 - yy1);
                float inter = w * h;
                float ovr = inter / (sarea + areas[oj] - inter);
                if (ovr > threshold) suppressed[oj] = -1;
            }
        }
        return kept;
    }

    internal static float StdMax(float a, float b) => a < b ? b : a;

    internal static float StdMin(float a, float b) => b < a ? b : a;

    private static void CheckArgs(ReadOnlySpan<float> boxes, ReadOnlySpan<float> scores, int count, Span<int> keep)
    {
        ShapeException.ThrowIfNegative("Nms", nameof(count), count);
        ShapeException.ThrowIfLengthBelow("Nms", "boxesXyxy", (long)count * 4, boxes.Length);
        ShapeException.ThrowIfLengthBelow("Nms", nameof(scores), count, scores.Length);
        ShapeException.ThrowIfLengthBelow("Nms", nameof(keep), count, keep.Length);
    }
}
