namespace Detserve.Eval.Coco;

/// <summary>An entry of a COCO file's <c>categories</c>.</summary>
public sealed record CocoCategory(long Id, string Name, string? Supercategory);
