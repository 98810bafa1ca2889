namespace Detserve.Vision;

/// <summary>
/// One detection to draw. Box corners are continuous pixel-edge coordinates of the image (x1, y1, x2, y2 as Detectron2's
/// pred_boxes). <paramref name="Label"/> is drawn as given (Detectron2 writes "name 98%"); empty draws no label.
/// <paramref name="Mask"/>, when present, has the image's size.
/// </summary>
public sealed record VisualDetection(float X1, float Y1, float X2, float Y2, string Label, int ColorIndex, BinaryMask? Mask);
