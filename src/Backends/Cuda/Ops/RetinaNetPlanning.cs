namespace Detserve.Backends.Cuda.Ops;

/// <summary>Host-side sizing of the RetinaNet post-processing (no device needed; tested on the CPU).</summary>
public static class RetinaNetPlanning
{
    /// <summary>
    /// How many of one class's candidates per image reach batched_nms: all of them (levels x TOPK_CANDIDATES_TEST) when that fits
    /// the shared-memory NMS bound (<see cref="BatchedNmsOp.MaxGroupSizeLimit"/>), else the best that many by score. Detectron2
    /// has no such bound; it matters only when one class has more candidates above SCORE_THRESH_TEST than the bound in one image.
    /// </summary>
    public static int ClassGroupCapacity(int candidatesPerImage)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(candidatesPerImage);
        return Math.Min(candidatesPerImage, BatchedNmsOp.MaxGroupSizeLimit);
    }
}
