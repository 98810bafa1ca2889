using Detserve.Eval.Masks;

namespace Detserve.Eval.Coco;

/// <summary>One detection of a COCO results list: <c>{image_id, category_id, score, bbox?, segmentation?}</c>.</summary>
public sealed record CocoResult(long ImageId, long CategoryId, double Score, BoxXywh? Bbox, EncodedMask? Mask);
