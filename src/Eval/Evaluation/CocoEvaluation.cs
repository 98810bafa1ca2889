using Detserve.Eval.Coco;

namespace Detserve.Eval.Evaluation;

/// <summary>
/// COCO evaluation as Detectron2's <c>COCOEvaluator</c> runs it: <c>_evaluate_predictions_on_coco</c> with pycocotools'
/// <c>COCOeval</c> (evaluate, accumulate, summarize; maxDets [1, 10, 100]; for segm the results' boxes are dropped so
/// areas come from masks), then <c>_derive_coco_results</c> for the per-category AP.
/// </summary>
public static class CocoEvaluation
{
    private static readonly string[] StatNames = ["AP", "AP50", "AP75", "APs", "APm", "APl"];

    /// <summary>Evaluates <paramref name="results"/> (checked against <paramref name="groundTruth"/>) for one IoU type.</summary>
    public static CocoEvalResult Evaluate(CocoGroundTruth groundTruth, CocoResults results, IouType iouType, CocoEvalParams? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(results);
        if (!ReferenceEquals(results.GroundTruth, groundTruth))
        {
            throw new ArgumentException("The results were checked against a different ground truth; read them with this one.", nameof(results));
        }

        parameters ??= new CocoEvalParams();
        IReadOnlyList<string> classNames = [.. groundTruth.Categories.OrderBy(c => c.Id).Select(c => c.Name)];
        if (results.Count == 0)
        {
            // pycocotools cannot evaluate an empty list; Detectron2 reports NaN for every metric instead.
            double[] nan = [.. Enumerable.Repeat(double.NaN, 12)];
            CategoryAp[] none = [.. groundTruth.Categories.OrderBy(c => c.Id).Select(c => new CategoryAp(c.Id, c.Name, double.NaN))];
            return new CocoEvalResult(iouType, nan, string.Empty, none, ResultsTable(nan), PerCategoryTable(none), null);
        }

        CocoAccumulation accumulation = new CocoEvaluator(groundTruth, results, iouType, parameters).Run();
        (double[] stats, string text) = CocoSummary.Summarize(accumulation);
        IReadOnlyList<CategoryAp> perCategory = parameters.UseCats ? PerCategory(groundTruth, accumulation) : [];
        return new CocoEvalResult(iouType, stats, text, perCategory, ResultsTable(stats), PerCategoryTable(perCategory), accumulation);
    }

    /// <summary>Evaluates several IoU types in turn (Detectron2 runs its tasks sorted: bbox, then segm).</summary>
    public static IReadOnlyList<CocoEvalResult> Evaluate(CocoGroundTruth groundTruth, CocoResults results, IEnumerable<IouType> iouTypes, CocoEvalParams? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(iouTypes);
        return [.. iouTypes.Distinct().Order().Select(t => Evaluate(groundTruth, results, t, parameters))];
    }

    private static CategoryAp[] PerCategory(CocoGroundTruth groundTruth, CocoAccumulation acc)
    {
        var result = new CategoryAp[acc.K];
        var values = new List<double>(acc.T * acc.R);
        for (int k = 0; k < acc.K; k++)
        {
            values.Clear();
            for (int t = 0; t < acc.T; t++)
            {
                for (int r = 0; r < acc.R; r++)
                {
                    double p = acc.GetPrecision(t, r, k, 0, acc.M - 1);
                    if (p > -1)
                    {
                        values.Add(p);
                    }
                }
            }

            long id = acc.CategoryIds[k];
            string name = groundTruth.FindCategory(id)?.Name ?? id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            result[k] = new CategoryAp(id, name, values.Count == 0 ? double.NaN : NumpySum.Mean(values.ToArray()));
        }

        return result;
    }

    // detectron2/utils/logger.py create_small_table of {AP: stats[0] * 100, ...} (NaN where a stat is negative).
    private static string ResultsTable(IReadOnlyList<double> stats)
    {
        object?[] row = new object?[StatNames.Length];
        for (int i = 0; i < row.Length; i++)
        {
            row[i] = stats[i] >= 0 ? stats[i] * 100 : double.NaN;
        }

        return PipeTable.Format(StatNames, [row], PipeTable.Align.Center, PipeTable.Align.Center);
    }

    // COCOEvaluator._derive_coco_results: up to 3 (name, AP * 100) pairs per row, tabulate pipe, left aligned.
    private static string PerCategoryTable(IReadOnlyList<CategoryAp> perCategory)
    {
        if (perCategory.Count <= 1)
        {
            return string.Empty;
        }

        int columns = Math.Min(6, perCategory.Count * 2);
        var flat = new List<object?>();
        foreach (CategoryAp c in perCategory)
        {
            flat.Add(c.Name);
            flat.Add(c.Ap * 100);
        }

        // itertools.zip_longest(*[flat[i::N_COLS] for i in range(N_COLS)]).
        var rows = new List<object?[]>();
        for (int start = 0; start < flat.Count; start += columns)
        {
            var row = new object?[columns];
            for (int c = 0; c < columns && start + c < flat.Count; c++)
            {
                row[c] = flat[start + c];
            }

            rows.Add(row);
        }

        string[] headers = [.. Enumerable.Range(0, columns).Select(i => i % 2 == 0 ? "category" : "AP")];
        return PipeTable.Format(headers, rows, PipeTable.Align.Left, PipeTable.Align.Left);
    }
}
