namespace Detserve.Eval.Evaluation;

/// <summary>
/// COCOeval's <c>eval</c> after <c>accumulate()</c>: <c>precision</c> and <c>scores</c> [T, R, K, A, M] and
/// <c>recall</c> [T, K, A, M], flat in C order, -1 where a setting has no ground truth. K follows
/// <see cref="CategoryIds"/> (sorted; one entry -1 when useCats is off), A the area ranges, M the maxDets.
/// </summary>
public sealed class CocoAccumulation
{
    internal CocoAccumulation(CocoEvalParams parameters, long[] imageIds, long[] categoryIds, double[] iouThresholds, double[] recallThresholds)
    {
        Params = parameters;
        ImageIds = imageIds;
        CategoryIds = categoryIds;
        IouThresholds = iouThresholds;
        RecallThresholds = recallThresholds;
        T = iouThresholds.Length;
        R = recallThresholds.Length;
        K = categoryIds.Length;
        A = parameters.AreaRanges.Count;
        M = parameters.MaxDets.Count;
        Precision = new double[T * R * K * A * M];
        Scores = new double[Precision.Length];
        Recall = new double[T * K * A * M];
        Array.Fill(Precision, -1);
        Array.Fill(Scores, -1);
        Array.Fill(Recall, -1);
    }

    public CocoEvalParams Params { get; }

    /// <summary>The evaluated image ids (sorted, unique).</summary>
    public IReadOnlyList<long> ImageIds { get; }

    /// <summary>The evaluated category ids (sorted, unique), or [-1] when useCats is off.</summary>
    public IReadOnlyList<long> CategoryIds { get; }

    public IReadOnlyList<double> IouThresholds { get; }

    public IReadOnlyList<double> RecallThresholds { get; }

    public int T { get; }

    public int R { get; }

    public int K { get; }

    public int A { get; }

    public int M { get; }

    /// <summary>Precision [T, R, K, A, M], C order.</summary>
    internal double[] Precision { get; }

    /// <summary>Scores [T, R, K, A, M], C order.</summary>
    internal double[] Scores { get; }

    /// <summary>Recall [T, K, A, M], C order.</summary>
    internal double[] Recall { get; }

    public double GetPrecision(int t, int r, int k, int a, int m) => Precision[PrecisionIndex(t, r, k, a, m)];

    public double GetScore(int t, int r, int k, int a, int m) => Scores[PrecisionIndex(t, r, k, a, m)];

    public double GetRecall(int t, int k, int a, int m) => Recall[RecallIndex(t, k, a, m)];

    internal int PrecisionIndex(int t, int r, int k, int a, int m) => ((((((t * R) + r) * K) + k) * A) + a) * M + m;

    internal int RecallIndex(int t, int k, int a, int m) => ((((t * K) + k) * A) + a) * M + m;
}
