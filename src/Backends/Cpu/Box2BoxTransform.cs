namespace Detserve.Backends.Cpu;

/// <summary>
/// detectron2/modeling/box_regression.py Box2BoxTransform in float32, with its operation order: widths x2 − x1,
/// centres x1 + 0.5·w, deltas divided by the weights, dw/dh clamped at scale_clamp, x1' = cx' − 0.5·w'.
/// </summary>
public static class Box2BoxTransform
{
    /// <summary>float(math.log(1000.0 / 16)): the default clamp on dw and dh (_DEFAULT_SCALE_CLAMP).</summary>
    public const float DefaultScaleClamp = 4.1351665567423561f;

    /// <summary>
    /// apply_deltas(deltas, boxes): boxes [count x 4], deltas and output [count x 4k] (k boxes per row, e.g. one per
    /// class), weights (wx, wy, ww, wh). Output may alias deltas.
    /// </summary>
    public static void ApplyDeltas(
        ReadOnlySpan<float> boxes, ReadOnlySpan<float> deltas, int count, int boxesPerRow,
        ReadOnlySpan<float> weights, float scaleClamp, Span<float> output)
    {
        const string op = "Box2BoxTransform";
        ShapeException.ThrowIfNegative(op, nameof(count), count);
        ShapeException.ThrowIfNotPositive(op, nameof(boxesPerRow), boxesPerRow);
        ShapeException.ThrowIfLengthNot(op, nameof(weights), 4, weights.Length);
        ShapeException.ThrowIfLengthBelow(op, nameof(boxes), (long)count * 4, boxes.Length);
        ShapeException.ThrowIfLengthBelow(op, nameof(deltas), (long)count * 4 * boxesPerRow, deltas.Length);
        ShapeException.ThrowIfLengthBelow(op, nameof(output), (long)count * 4 * boxesPerRow, output.Length);
        float wx = weights[0], wy = weights[1], ww = weights[2], wh = weights[3];
        for (int i = 0; i < count; i++)
        {
            float x0 = boxes[i * 4], y0 = boxes[(i * 4) + 1];
            float widths = boxes[(i * 4) + 2] - x0;
            float heights = boxes[(i * 4) + 3] - y0;
            float ctrX = x0 + (0.5f * widths);
            float ctrY = y0 + (0.5f * heights);
            for (int j = 0; j < boxesPerRow; j++)
            {
                int o = ((i * boxesPerRow) + j) * 4;
                float dx = deltas[o] / wx;
                float dy = deltas[o + 1] / wy;
                float dw = ClampMax(deltas[o + 2] / ww, scaleClamp);
                float dh = ClampMax(deltas[o + 3] / wh, scaleClamp);
                float predCtrX = (dx * widths) + ctrX;
                float predCtrY = (dy * heights) + ctrY;
                float predW = MathF.Exp(dw) * widths;
                float predH = MathF.Exp(dh) * heights;
                output[o] = predCtrX - (0.5f * predW);
                output[o + 1] = predCtrY - (0.5f * predH);
                output[o + 2] = predCtrX + (0.5f * predW);
                output[o + 3] = predCtrY + (0.5f * predH);
            }
        }
    }

    /// <summary>
    /// get_deltas(src_boxes, target_boxes): the (dx, dy, dw, dh) that turn each source box into its target, both
    /// [count x 4]; dx = wx·(tcx − scx)/sw, dw = ww·log(tw / sw).
    /// </summary>
    public static void GetDeltas(ReadOnlySpan<float> sourceBoxes, ReadOnlySpan<float> targetBoxes, int count, ReadOnlySpan<float> weights, Span<float> deltas)
    {
        const string op = "Box2BoxTransform";
        ShapeException.ThrowIfNegative(op, nameof(count), count);
        ShapeException.ThrowIfLengthNot(op, nameof(weights), 4, weights.Length);
        ShapeException.ThrowIfLengthBelow(op, nameof(sourceBoxes), (long)count * 4, sourceBoxes.Length);
        ShapeException.ThrowIfLengthBelow(op, nameof(targetBoxes), (long)count * 4, targetBoxes.Length);
        ShapeException.ThrowIfLengthBelow(op, nameof(deltas), (long)count * 4, deltas.Length);
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<float> s = sourceBoxes.Slice(i * 4, 4), t = targetBoxes.Slice(i * 4, 4);
            float sw = s[2] - s[0], sh = s[3] - s[1];
            float scx = s[0] + (0.5f * sw), scy = s[1] + (0.5f * sh);
            float tw = t[2] - t[0], th = t[3] - t[1];
            float tcx = t[0] + (0.5f * tw), tcy = t[1] + (0.5f * th);
            deltas[i * 4] = weights[0] * (tcx - scx) / sw;
            deltas[(i * 4) + 1] = weights[1] * (tcy - scy) / sh;
            deltas[(i * 4) + 2] = weights[2] * MathF.Log(tw / sw);
            deltas[(i * 4) + 3] = weights[3] * MathF.Log(th / sh);
        }
    }

    // torch.clamp(x, max=m): NaN stays NaN.
    private static float ClampMax(float x, float max) => x > max ? max : x;
}
