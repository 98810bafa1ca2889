namespace Detserve.Backends.Cpu.Reference;

/// <summary>
/// The definition of <see cref="Boxes"/>.PairwiseIou: detectron2 structures/boxes.py pairwise_intersection
/// (min(x2) − max(x1), clamp 0, product) and pairwise_iou (where(inter &gt; 0, inter / (a1 + a2 − inter), 0)).
/// </summary>
public static class BoxesReference
{
    /// <summary>IoU matrix [n x m].</summary>
    public static float[] PairwiseIou(ReadOnlySpan<float> boxes1, int n, ReadOnlySpan<float> boxes2, int m)
    {
        float[] iou = new float[n * m];
        for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
        {
            float area1 = (boxes1[(i * 4) + 2] - boxes1[i * 4]) * (boxes1[(i * 4) + 3] - boxes1[(i * 4) + 1]);
            float area2 = (boxes2[(j * 4) + 2] - boxes2[j * 4]) * (boxes2[(j * 4) + 3] - boxes2[(j * 4) + 1]);
            float w = Math.Min(boxes1[(i * 4) + 2], boxes2[(j * 4) + 2]) - Math.Max(boxes1[i * 4], boxes2[j * 4]);
            float h = Math.Min(boxes1[(i * 4) + 3], boxes2[(j * 4) + 3]) - Math.Max(boxes1[(i * 4) + 1], boxes2[(j * 4) + 1]);
            if (w < 0) w = 0;
            if (h < 0) h = 0;
            float inter = w * h;
            iou[(i * m) + j] = inter > 0 ? inter / (area1 + area2 - inter) : 0f;
        }
        return iou;
    }
}
