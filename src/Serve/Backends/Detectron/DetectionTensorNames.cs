namespace Detserve.Serve.Backends.Detectron;

/// <summary>
/// Tensor names of the "detserve" backend, as TensorRT's detectron2 sample names them
/// (samples/python/detectron2/create_onnx.py), plus Detectron2's pred_masks for masks pasted at image size.
/// </summary>
public static class DetectionTensorNames
{
    /// <summary>UINT8 [batch, H, W, 3]: RGB pixels, row-major (images of different sizes may share a dynamic batch).</summary>
    public const string Input = "input_tensor";

    /// <summary>INT32 [batch, 1]: detections per image.</summary>
    public const string NumDetections = "num_detections";

    /// <summary>FP32 [batch, N, 4]: x1, y1, x2, y2 in original-image pixels; rows past num_detections are zero.</summary>
    public const string Boxes = "detection_boxes";

    /// <summary>FP32 [batch, N].</summary>
    public const string Scores = "detection_scores";

    /// <summary>INT32 [batch, N]: 0-based contiguous class ids.</summary>
    public const string Classes = "detection_classes";

    /// <summary>FP32 [batch, N, 28, 28]: sigmoid mask probabilities of the predicted class, before pasting (as the TensorRT sample).</summary>
    public const string Masks = "detection_masks";

    /// <summary>UINT8 [batch, N, H, W]: masks pasted at the image's own size, 0/1 (Detectron2's pred_masks, threshold 0.5).</summary>
    public const string PastedMasks = "pred_masks";
}
