namespace Detserve.Runtime;

/// <summary>Helpers that hand intermediate tensors to an <see cref="IStageObserver"/> in the golden fixtures' shapes.</summary>
internal static class Stage
{
    /// <summary>A batched NCHW tensor, one call per image with shape [1, C, H, W].</summary>
    public static void Dense(IStageObserver? observer, string name, FeatureMap map)
    {
        if (observer is null) return;
        for (int n = 0; n < map.Batch; n++) observer.Observe(name, n, [1, map.Channels, map.Height, map.Width], map.Image(n));
    }

    /// <summary>A rows x columns table (columns 1 = a vector of shape [rows]).</summary>
    public static void Rows(IStageObserver? observer, string name, int image, ReadOnlySpan<float> values, int columns)
    {
        if (observer is null) return;
        int rows = values.Length / columns;
        observer.Observe(name, image, columns == 1 ? [rows] : [rows, columns], values);
    }
}
