namespace Detserve.Vision;

/// <summary>
/// The output size of detectron2.data.transforms.ResizeShortestEdge (augmentation_impl.py, get_output_shape), in the
/// same float64 arithmetic: scale the short side to the target; if the long side then exceeds the maximum, scale it
/// down to the maximum instead; round each side with int(x + 0.5).
/// </summary>
public static class ResizeShortestEdge
{
    /// <summary>(new height, new width) for an image of <paramref name="height"/> x <paramref name="width"/>.</summary>
    /// <param name="height">Original rows.</param>
    /// <param name="width">Original columns.</param>
    /// <param name="shortEdgeLength">Target short side (INPUT.MIN_SIZE_TEST). 0 means no resize, as get_transform returns NoOpTransform.</param>
    /// <param name="maxSize">Longest allowed side (INPUT.MAX_SIZE_TEST).</param>
    public static (int NewHeight, int NewWidth) GetOutputShape(int height, int width, int shortEdgeLength, int maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegative(shortEdgeLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSize);
        if (shortEdgeLength == 0) return (height, width);

        double h = height, w = width;
        double size = shortEdgeLength * 1.0;
        double scale = size / Math.Min(h, w);
        double newh, neww;
        if (h < w)
        {
            newh = size;
            neww = scale * w;
        }
        else
        {
            newh = scale * h;
            neww = size;
        }
        if (Math.Max(newh, neww) > maxSize)
        {
            scale = maxSize * 1.0 / Math.Max(newh, neww);
            newh *= scale;
            neww *= scale;
        }
        return ((int)(newh + 0.5), (int)(neww + 0.5));
    }
}
