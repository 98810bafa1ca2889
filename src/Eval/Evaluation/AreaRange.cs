namespace Detserve.Eval.Evaluation;

/// <summary>An object-size range of COCOeval (<c>Params.areaRng</c> with its label); bounds are inclusive.</summary>
public sealed record AreaRange(string Label, double Min, double Max);
