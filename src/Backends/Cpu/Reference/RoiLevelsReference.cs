namespace Detserve.Backends.Cpu.Reference;

/// <summary>
/// The definition of <see cref="RoiLevels"/>: detectron2 poolers.assign_boxes_to_levels, box_sizes =
/// sqrt(Boxes.area()), floor(canonical_level + log2(box_sizes / canonical_box_size + 1e-8)), clamped, minus min_level.
/// </summary>
public static class RoiLevelsReference
{
    /// <summary>Level index relative to <paramref name="minLevel"/> for each box.</summary>
    public static void AssignLevels(ReadOnlySpan<float> boxesXyxy, int count, int minLevel, int maxLevel, int canonicalSize, int canonicalLevel, Span<int> levelOut)
    {
        for (int i = 0; i < count; i++)
        {
            float area = (boxesXyxy[(i * 4) + 2] - boxesXyxy[i * 4]) * (boxesXyxy[(i * 4) + 3] - boxesXyxy[(i * 4) + 1]);
            float sizes = MathF.Sqrt(area);
            float assignment = MathF.Floor(canonicalLevel + MathF.Log2((sizes / canonicalSize) + 1e-8f));
            if (assignment < minLevel) assignment = minLevel;
            if (assignment > maxLevel) assignment = maxLevel;
            levelOut[i] = (int)assignment - minLevel;
        }
    }
}
