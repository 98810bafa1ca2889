namespace Detserve.Runtime.Cuda;

/// <summary>The shape a plan is built for: images per run and the padded batch size (ImageList.from_tensors' max, rounded up to SIZE_DIVISIBILITY).</summary>
internal readonly record struct PlanKey(int Batch, int PaddedHeight, int PaddedWidth)
{
    /// <summary>
    /// The key of a batch of resized images: the largest height and width, each rounded up to <paramref name="sizeDivisibility"/>
    /// (detectron2/structures/image_list.py from_tensors), then up to the smallest of <paramref name="buckets"/> that holds it.
    /// </summary>
    public static PlanKey For(IReadOnlyList<(int Height, int Width)> sizes, int sizeDivisibility, ShapeBuckets? buckets = null)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Count == 0) throw new ArgumentException("the batch is empty", nameof(sizes));
        int h = 0, w = 0;
        foreach ((int height, int width) in sizes)
        {
            if (height < 1 || width < 1) throw new ArgumentException($"image of {height}x{width} is empty", nameof(sizes));
            h = Math.Max(h, height);
            w = Math.Max(w, width);
        }
        if (sizeDivisibility > 1)
        {
            h = (h + sizeDivisibility - 1) / sizeDivisibility * sizeDivisibility;
            w = (w + sizeDivisibility - 1) / sizeDivisibility * sizeDivisibility;
        }
        if (buckets is not null) (h, w) = buckets.PaddedSize(h, w);
        return new PlanKey(sizes.Count, h, w);
    }
}
