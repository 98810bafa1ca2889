using Detserve.Backends.Cpu.Sorting;

namespace Detserve.Backends.Cpu.Reference;

/// <summary>
/// The definition of <see cref="Nms"/>: torchvision/csrc/ops/cpu/nms_kernel.cpp (order = scores.sort(0, descending)
/// on CPU, i.e. libstdc++ std::sort; suppress j when IoU(i, j) &gt; threshold) and torchvision/ops/boxes.py batched_nms
/// (per-group "vanilla" when boxes.numel() &gt; 4000, else the coordinate-offset trick).
/// </summary>
public static class NmsReference
{
    /// <summary>torchvision.ops.nms: kept indices by decreasing score.</summary>
    public static int[] Nms(ReadOnlySpan<float> boxes, ReadOnlySpan<float> scores, int count, double iouThreshold)
    {
        if (count == 0) return [];
        ScoredIndex[] order = new ScoredIndex[count];
        for (int i = 0; i < count; i++) order[i] = new ScoredIndex(scores[i], i);
        LibStdCxxDescending.Sort(order);
        bool[] suppressed = new bool[count];
        var keep = new List<int>();
        for (int a = 0; a < count; a++)
        {
            int i = order[a].Index;
            if (suppressed[i]) continue;
            keep.Add(i);
            for (int b = a + 1; b < count; b++)
            {
                int j = order[b].Index;
                if (suppressed[j]) continue;
                if (Iou(boxes, i, j) > iouThreshold) suppressed[j] = true;
            }
        }
        return keep.ToArray();
    }

    /// <summary>torchvision.ops.batched_nms.</summary>
    public static int[] BatchedNms(ReadOnlySpan<float> boxes, ReadOnlySpan<float> scores, ReadOnlySpan<int> groups, int count, double iouThreshold)
    {
        if (count == 0) return [];
        if (count * 4 > 4000)
        {
            bool[] keepMask = new bool[count];
            foreach (int g in groups[..count].ToArray().Distinct().Order())
            {
                var idx = new List<int>();
                for (int i = 0; i < count; i++) if (groups[i] == g) idx.Add(i);
                float[] b = new float[idx.Count * 4];
                float[] s = new float[idx.Count];
                for (int j = 0; j < idx.Count; j++)
                {
                    boxes.Slice(idx[j] * 4, 4).CopyTo(b.AsSpan(j * 4));
                    s[j] = scores[idx[j]];
                }
                foreach (int k in Nms(b, s, idx.Count, iouThreshold)) keepMask[idx[k]] = true;
            }
            var kept = new List<ScoredIndex>();
            for (int i = 0; i < count; i++) if (keepMask[i]) kept.Add(new ScoredIndex(scores[i], i));
            ScoredIndex[] sorted = kept.ToArray();
            LibStdCxxDescending.Sort(sorted);
            return sorted.Select(x => x.Index).ToArray();
        }
        float max = float.NegativeInfinity;
        for (int i = 0; i < count * 4; i++) if (boxes[i] > max || float.IsNaN(boxes[i])) max = boxes[i];
        float[] shifted = new float[count * 4];
        for (int i = 0; i < count; i++)
            for (int c = 0; c < 4; c++) shifted[(i * 4) + c] = boxes[(i * 4) + c] + (groups[i] * (max + 1f));
        return Nms(shifted, scores, count, iouThreshold);
    }

    private static float Iou(ReadOnlySpan<float> boxes, int i, int j)
    {
        ReadOnlySpan<float> a = boxes.Slice(i * 4, 4), b = boxes.Slice(j * 4, 4);
        float areaA = (a[2] - a[0]) * (a[3] - a[1]);
        float areaB = (b[2] - b[0]) * (b[3] - b[1]);
        float w = StdMax(0f, StdMin(a[2], b[2]) - StdMax(a[0], b[0]));
        float h = StdMax(0f, StdMin(a[3], b[3]) - StdMax(a[1], b[1]));
        float inter = w * h;
        return inter / (areaA + areaB - inter);
    }

    // std::max(a, b) / std::min(a, b).
    private static float StdMax(float a, float b) => a < b ? b : a;

    private static float StdMin(float a, float b) => b < a ? b : a;
}
