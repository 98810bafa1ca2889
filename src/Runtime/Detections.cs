namespace Detserve.Runtime;

/// <summary>Boxes (N x 4, xyxy) with scores and integer labels (a class, or an FPN level for proposals), in the order a stage produced them.</summary>
internal sealed record Detections(float[] Boxes, float[] Scores, int[] Labels)
{
    public int Count => Scores.Length;

    public static Detections Empty { get; } = new([], [], []);

    /// <summary>The rows <paramref name="keep"/>[0..count), in that order.</summary>
    public Detections Select(ReadOnlySpan<int> keep)
    {
        var b = new float[keep.Length * 4];
        var s = new float[keep.Length];
        var l = new int[keep.Length];
        for (int i = 0; i < keep.Length; i++)
        {
            int k = keep[i];
            Boxes.AsSpan(4 * k, 4).CopyTo(b.AsSpan(4 * i, 4));
            s[i] = Scores[k];
            l[i] = Labels[k];
        }
        return new Detections(b, s, l);
    }
}
