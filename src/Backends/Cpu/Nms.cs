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

    private static int SuppressCore(ReadOnlySpan<float> boxes, ReadOnlySpan<float> scores, int count, double threshold, Span<int> keep)
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
