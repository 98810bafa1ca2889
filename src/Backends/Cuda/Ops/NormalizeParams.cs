namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// Per network-input channel c: which channel of the decoded image feeds it, and the pixel mean and std
/// (MODEL.PIXEL_MEAN / MODEL.PIXEL_STD, in the model's INPUT.FORMAT order).
/// </summary>
public sealed record NormalizeParams(IReadOnlyList<int> SourceChannel, IReadOnlyList<float> Mean, IReadOnlyList<float> Std)
{
    /// <summary>Detectron2's defaults for an RGB-decoded image feeding a BGR model: channels reversed, mean (103.530, 116.280, 123.675), std 1.</summary>
    public static NormalizeParams Detectron2BgrFromRgb { get; } = new([2, 1, 0], [103.530f, 116.280f, 123.675f], [1f, 1f, 1f]);

    internal void Validate()
    {
        if (SourceChannel.Count != 3 || Mean.Count != 3 || Std.Count != 3)
            throw new Detserve.Backends.Cpu.ShapeException("Preprocess", nameof(NormalizeParams), "3 source channels, 3 means, 3 stds",
                $"{SourceChannel.Count}, {Mean.Count}, {Std.Count}");
        foreach (int s in SourceChannel)
            if (s is < 0 or > 2) throw new Detserve.Backends.Cpu.ShapeException("Preprocess", nameof(SourceChannel), "0, 1 or 2", s.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
