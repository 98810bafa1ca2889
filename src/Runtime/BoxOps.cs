namespace Detserve.Runtime;

/// <summary>Small box helpers with detectron2/structures/boxes.py semantics.</summary>
internal static class BoxOps
{
    /// <summary>Boxes.clip: x clamped to [0, width], y to [0, height] (at w, not w - 1).</summary>
    public static void Clip(Span<float> boxes, float height, float width)
    {
        for (int i = 0; i + 3 < boxes.Length; i += 4)
        {
            boxes[i] = Math.Clamp(boxes[i], 0f, width);
            boxes[i + 1] = Math.Clamp(boxes[i + 1], 0f, height);
            boxes[i + 2] = Math.Clamp(boxes[i + 2], 0f, width);
            boxes[i + 3] = Math.Clamp(boxes[i + 3], 0f, height);
        }
    }

    /// <summary>Boxes.nonempty(threshold): width > threshold and height > threshold.</summary>
    public static bool NonEmpty(ReadOnlySpan<float> boxes, int i, float threshold) =>
        boxes[(4 * i) + 2] - boxes[4 * i] > threshold && boxes[(4 * i) + 3] - boxes[(4 * i) + 1] > threshold;

    /// <summary>True when all four coordinates of box <paramref name="i"/> are finite.</summary>
    public static bool Finite(ReadOnlySpan<float> boxes, int i) =>
        float.IsFinite(boxes[4 * i]) && float.IsFinite(boxes[(4 * i) + 1]) && float.IsFinite(boxes[(4 * i) + 2]) && float.IsFinite(boxes[(4 * i) + 3]);
}
