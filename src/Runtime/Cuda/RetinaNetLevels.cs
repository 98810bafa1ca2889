namespace Detserve.Runtime.Cuda;

/// <summary>Host-side checks of the RetinaNet head's level shapes before a GPU plan is made (no device needed; tested on the CPU).</summary>
internal static class RetinaNetLevels
{
    /// <summary>
    /// A, the anchors per cell, from the head's per-level (channels, height, width): class logits have A * K channels and box deltas
    /// 4 * A on the same grid, with one A on every level (RetinaNetHead shares its convs across levels).
    /// </summary>
    /// <exception cref="InvalidOperationException">a level whose shapes disagree, named by its index.</exception>
    public static int AnchorsPerCell(IReadOnlyList<(int C, int H, int W)> cls, IReadOnlyList<(int C, int H, int W)> box, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(cls);
        ArgumentNullException.ThrowIfNull(box);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numClasses);
        if (cls.Count == 0 || cls.Count != box.Count)
            throw new InvalidOperationException($"RetinaNet head: {cls.Count} class-logit levels and {box.Count} box-delta levels");
        int a = cls[0].C / numClasses;
        for (int l = 0; l < cls.Count; l++)
        {
            if (cls[l].C != a * numClasses || box[l].C != 4 * a || cls[l].H != box[l].H || cls[l].W != box[l].W || a < 1)
                throw new InvalidOperationException(
                    $"RetinaNet head level {l}: class logits {cls[l]} / box deltas {box[l]} do not match {a} anchors x {numClasses} classes on one grid");
        }
        return a;
    }
}
