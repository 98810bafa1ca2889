namespace Detserve.Eval.Evaluation;

/// <summary>What COCOeval compares: boxes (<c>"bbox"</c>) or masks (<c>"segm"</c>).</summary>
public enum IouType
{
    Bbox,
    Segm,
}
