namespace Detserve.Eval.Masks;

/// <summary>A COCO box: left, top, width, height in pixels (COCO's <c>bbox</c> field, Detectron2's XYWH_ABS).</summary>
public readonly record struct BoxXywh(double X, double Y, double Width, double Height)
{
    /// <summary>
    /// Detectron2's <c>BoxMode.convert(XYXY_ABS -> XYWH_ABS)</c> on a float32 box array, as
    /// <c>instances_to_coco_json</c> does: width and height are float32 differences, widened to double afterwards.
    /// </summary>
    public static BoxXywh FromXyxyFloat32(float x0, float y0, float x1, float y1) => new(x0, y0, x1 - x0, y1 - y0);
}
