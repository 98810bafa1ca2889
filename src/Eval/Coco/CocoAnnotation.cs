using Detserve.Eval.Masks;

namespace Detserve.Eval.Coco;

/// <summary>
/// A ground-truth entry of a COCO file's <c>annotations</c>. <see cref="Area"/> is the file's <c>area</c> field, which
/// pycocotools uses for the small/medium/large ranges (not the mask's pixel count). <see cref="Bbox"/> and
/// <see cref="Segmentation"/> are null when the file has none; bbox evaluation needs the box, segm the mask.
/// </summary>
public sealed record CocoAnnotation(
    long Id,
    long ImageId,
    long CategoryId,
    double Area,
    BoxXywh? Bbox,
    bool IsCrowd,
    CocoSegmentation? Segmentation);
