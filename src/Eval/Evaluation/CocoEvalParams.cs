namespace Detserve.Eval.Evaluation;

/// <summary>
/// COCOeval's <c>Params.setDetParams</c>: IoU thresholds 0.50:0.05:0.95 and recall thresholds 0:0.01:1 exactly as
/// <c>np.linspace</c> makes them, maxDets [1, 10, 100], area ranges all/small/medium/large, useCats on.
/// <see cref="ImageIds"/> / <see cref="CategoryIds"/> null mean every image / category of the ground truth.
/// <see cref="MaxDegreeOfParallelism"/> 0 uses every core.
/// </summary>
public sealed record CocoEvalParams
{
    public IReadOnlyList<long>? ImageIds { get; init; }

    public IReadOnlyList<long>? CategoryIds { get; init; }

    public bool UseCats { get; init; } = true;

    public IReadOnlyList<int> MaxDets { get; init; } = [1, 10, 100];

    public IReadOnlyList<AreaRange> AreaRanges { get; init; } =
    [
        new("all", 0, 1e5 * 1e5),
        new("small", 0, 32 * 32),
        new("medium", 32 * 32, 96 * 96),
        new("large", 96 * 96, 1e5 * 1e5),
    ];

    public IReadOnlyList<double> IouThresholds { get; init; } = Linspace(.5, 0.95, (int)Math.Round((0.95 - .5) / .05, MidpointRounding.ToEven) + 1);

    public IReadOnlyList<double> RecallThresholds { get; init; } = Linspace(.0, 1.00, (int)Math.Round((1.00 - .0) / .01, MidpointRounding.ToEven) + 1);

    public int MaxDegreeOfParallelism { get; init; }

    /// <summary>
    /// <c>np.linspace(start, stop, num)</c>: <c>i * step + start</c> with <c>step = (stop - start) / (num - 1)</c>, the
    /// last value set to <paramref name="stop"/>. The thresholds must be bit-equal to numpy's: summarize() finds
    /// IoU 0.5 and 0.75 with <c>==</c>.
    /// </summary>
    public static double[] Linspace(double start, double stop, int num)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(num);
        var y = new double[num];
        if (num == 0)
        {
            return y;
        }

        if (num == 1)
        {
            y[0] = start;
            return y;
        }

        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++)
        {
            y[i] = (i * step) + start;
        }

        y[^1] = stop;
        return y;
    }
}
