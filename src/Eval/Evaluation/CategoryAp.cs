namespace Detserve.Eval.Evaluation;

/// <summary>
/// Detectron2's per-category AP (<c>COCOEvaluator._derive_coco_results</c>): the mean of
/// <c>precision[:, :, k, area all, maxDets[-1]]</c> over entries above -1, as a fraction; NaN when there are none.
/// </summary>
public sealed record CategoryAp(long CategoryId, string Name, double Ap);
