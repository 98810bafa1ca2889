namespace Detserve.Import.Model;

/// <summary>One tensor of the model's state dict as Detectron2 would create it for a config.</summary>
/// <param name="Name">Detectron2 state-dict key, e.g. "roi_heads.box_predictor.cls_score.weight".</param>
/// <param name="Shape">Its shape.</param>
/// <param name="ImpliedBy">The config key that decides the shape, e.g. "MODEL.ROI_HEADS.NUM_CLASSES".</param>
public sealed record ExpectedParameter(string Name, IReadOnlyList<int> Shape, string ImpliedBy)
{
    /// <summary>Number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>Shape as "[a, b]".</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
