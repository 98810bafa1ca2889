namespace Detserve.Runtime;

/// <summary>
/// Receives intermediate tensors while a <see cref="Predictor"/> runs, named as the golden fixtures name them ("input", "feat_p2",
/// "rpn_objectness_p2", "rpn_proposals_xyxy", "box_cls_logits", "det_boxes_xyxy_input", "mask_logits", "head_cls_p3", ...), one call
/// per image. Used by stage tests and debugging; the values are only valid during the call.
/// </summary>
public interface IStageObserver
{
    /// <summary>Image <paramref name="image"/> of the batch produced <paramref name="stage"/> with <paramref name="shape"/>.</summary>
    void Observe(string stage, int image, IReadOnlyList<int> shape, ReadOnlySpan<float> values);
}
