namespace Detserve.Eval.Evaluation;

/// <summary>
/// The outcome of one COCO evaluation (one IoU type).
/// <see cref="Stats"/>: pycocotools' 12 numbers (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl),
/// fractions, -1 where undefined, NaN when there were no results at all (Detectron2's "No predictions").
/// <see cref="SummaryText"/>: <c>summarize()</c>'s 12 printed lines. <see cref="ResultsTable"/> and
/// <see cref="PerCategoryTable"/>: Detectron2's logged tables (percent); the per-category table is empty with fewer
/// than 2 categories, as Detectron2 prints none. <see cref="Accumulation"/>: precision/recall/scores, null without results.
/// </summary>
public sealed record CocoEvalResult(
    IouType IouType,
    IReadOnlyList<double> Stats,
    string SummaryText,
    IReadOnlyList<CategoryAp> PerCategoryAp,
    string ResultsTable,
    string PerCategoryTable,
    CocoAccumulation? Accumulation)
{
    /// <summary>The key Detectron2 and pycocotools use for this IoU type: "bbox" or "segm".</summary>
    public string IouTypeName => IouType == IouType.Bbox ? "bbox" : "segm";
}
