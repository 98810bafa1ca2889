namespace Detserve.Backends.Cpu;

/// <summary>detectron2/modeling/poolers.py assign_boxes_to_levels, in float32 as torch computes it.</summary>
public static class RoiLevels
{
    /// <summary>
    /// levelOut[i] = clamp(floor(canonicalLevel + log2(sqrt(area_i) / canonicalSize + 1e-8)), minLevel, maxLevel) − minLevel,
    /// area = (x2 − x1)·(y2 − y1).
    /// </summary>
    public static void AssignLevels(
        ReadOnlySpan<float> boxesXyxy, int count, int minLevel, int maxLevel, int canonicalSize, int canonicalLevel, Span<int> levelOut)
    {
        ShapeException.ThrowIfNegative("RoiLevels", nameof(count), count);
        ShapeException.ThrowIfLengthBelow("RoiLevels", nameof(boxesXyxy), (long)count * 4, boxesXyxy.Length);
        ShapeException.ThrowIfLengthBelow("RoiLevels", nameof(levelOut), count, levelOut.Length);
        if (maxLevel < minLevel) throw new ShapeException("RoiLevels", nameof(maxLevel), $">= minLevel {minLevel}", maxLevel.ToString(System.Globalization.CultureInfo.InvariantCulture));
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<float> b = boxesXyxy.Slice(i * 4, 4);
            float area = (b[2] - b[0]) * (b[3] - b[1]);
            float boxSize = MathF.Sqrt(area);
            float level = MathF.Floor(canonicalLevel + MathF.Log2((boxSize / canonicalSize) + 1e-8f));
            // torch.clamp then .to(int64): clamp in float, truncate.
            level = Math.Clamp(level, minLevel, maxLevel);
            levelOut[i] = (int)level - minLevel;
        }
    }

    /// <summary>As the other overload with Detectron2's defaults (ROIPooler: canonical_box_size 224, canonical_level 4).</summary>
    public static void AssignLevels(ReadOnlySpan<float> boxesXyxy, int count, int minLevel, int maxLevel, Span<int> levelOut)
        => AssignLevels(boxesXyxy, count, minLevel, maxLevel, 224, 4, levelOut);
}
