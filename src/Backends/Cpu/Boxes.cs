namespace Detserve.Backends.Cpu;

/// <summary>
/// Box arithmetic on [count x 4] float32 (x1, y1, x2, y2) arrays, as detectron2/structures/boxes.py defines it:
/// widths are x2 − x1 (no +1), clip clamps to [0, width] x [0, height] (not width − 1).
/// </summary>
public static class Boxes
{
    /// <summary>Boxes.clip(box_size): x to [0, width], y to [0, height], in place.</summary>
    public static void Clip(Span<float> boxesXyxy, int count, float height, float width)
    {
        Check(nameof(boxesXyxy), boxesXyxy.Length, count);
        for (int i = 0; i < count; i++)
        {
            Span<float> b = boxesXyxy.Slice(i * 4, 4);
            b[0] = Clamp(b[0], width);
            b[1] = Clamp(b[1], height);
            b[2] = Clamp(b[2], width);
            b[3] = Clamp(b[3], height);
        }
    }

    /// <summary>Boxes.nonempty(threshold): keep[i] = width > threshold and height > threshold. Returns how many are kept.</summary>
    public static int NonEmpty(ReadOnlySpan<float> boxesXyxy, int count, Span<bool> keep, float threshold = 0f)
    {
        Check(nameof(boxesXyxy), boxesXyxy.Length, count);
        ShapeException.ThrowIfLengthBelow("Boxes", nameof(keep), count, keep.Length);
        int kept = 0;
        for (int i = 0; i < count; i++)
        {
            float w = boxesXyxy[(i * 4) + 2] - boxesXyxy[i * 4];
            float h = boxesXyxy[(i * 4) + 3] - boxesXyxy[(i * 4) + 1];
            keep[i] = w > threshold && h > threshold;
            if (keep[i]) kept++;
        }
        return kept;
    }

    /// <summary>Boxes.area(): (x2 − x1)·(y2 − y1) per box.</summary>
    public static void Area(ReadOnlySpan<float> boxesXyxy, int count, Span<float> areas)
    {
        Check(nameof(boxesXyxy), boxesXyxy.Length, count);
        ShapeException.ThrowIfLengthBelow("Boxes", nameof(areas), count, areas.Length);
        for (int i = 0; i < count; i++)
            areas[i] = (boxesXyxy[(i * 4) + 2] - boxesXyxy[i * 4]) * (boxesXyxy[(i * 4) + 3] - boxesXyxy[(i * 4) + 1]);
    }

    /// <summary>
    /// pairwise_iou(boxes1, boxes2) into iou[n, m]: intersection = prod(clamp(min(x2) − max(x1), 0)); IoU is
    /// inter / (area1 + area2 − inter) where inter &gt; 0, else 0.
    /// </summary>
    public static void PairwiseIou(ReadOnlySpan<float> boxes1, int n, ReadOnlySpan<float> boxes2, int m, Span<float> iou)
    {
        Check(nameof(boxes1), boxes1.Length, n);
        Check(nameof(boxes2), boxes2.Length, m);
        ShapeException.ThrowIfLengthBelow("Boxes", nameof(iou), (long)n * m, iou.Length);
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> a = boxes1.Slice(i * 4, 4);
            float areaA = (a[2] - a[0]) * (a[3] - a[1]);
            for (int j = 0; j < m; j++)
            {
                ReadOnlySpan<float> b = boxes2.Slice(j * 4, 4);
                float areaB = (b[2] - b[0]) * (b[3] - b[1]);
                float w = MathF.Max(MathF.Min(a[2], b[2]) - MathF.Max(a[0], b[0]), 0f);
                float h = MathF.Max(MathF.Min(a[3], b[3]) - MathF.Max(a[1], b[1]), 0f);
                float inter = w * h;
                iou[(i * m) + j] = inter > 0f ? inter / (areaA + areaB - inter) : 0f;
            }
        }
    }

    // torch.clamp(min=0, max=limit): max(min(x, limit), 0) with NaN propagating, as clamp does.
    private static float Clamp(float x, float limit) => float.IsNaN(x) ? x : Math.Min(Math.Max(x, 0f), limit);

    private static void Check(string name, int length, int count)
    {
        ShapeException.ThrowIfNegative("Boxes", "count", count);
        ShapeException.ThrowIfLengthBelow("Boxes", name, (long)count * 4, length);
    }
}
