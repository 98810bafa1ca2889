namespace Detserve.Eval.Coco;

/// <summary>An entry of a COCO file's <c>images</c>.</summary>
public sealed record CocoImage(long Id, int Width, int Height, string? FileName);
