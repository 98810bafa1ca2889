namespace Detserve.Backends.Cpu.Reference;

/// <summary>
/// The definition of <see cref="Box2BoxTransform"/>: detectron2/modeling/box_regression.py apply_deltas written column
/// by column as the tensor code runs (widths, ctr, dx = deltas[:, 0::4] / wx, clamp, pred_ctr = dx·w + ctr,
/// pred_w = exp(dw)·w, x1 = ctr − 0.5·pred_w ...), float32.
/// </summary>
public static class Box2BoxTransformReference
{
    /// <summary>Decoded boxes [count x 4k].</summary>
    public static float[] ApplyDeltas(ReadOnlySpan<float> boxes, ReadOnlySpan<float> deltas, int count, int k, ReadOnlySpan<float> weights, float scaleClamp)
    {
        float[] widths = new float[count], heights = new float[count], ctrX = new float[count], ctrY = new float[count];
        for (int i = 0; i < count; i++)
        {
            widths[i] = boxes[(i * 4) + 2] - boxes[i * 4];
            heights[i] = boxes[(i * 4) + 3] - boxes[(i * 4) + 1];
            ctrX[i] = boxes[i * 4] + (0.5f * widths[i]);
            ctrY[i] = boxes[(i * 4) + 1] + (0.5f * heights[i]);
        }
        float[] result = new float[count * 4 * k];
        for (int i = 0; i < count; i++)
        for (int j = 0; j < k; j++)
        {
            int o = ((i * k) + j) * 4;
            float dx = deltas[o] / weights[0];
            float dy = deltas[o + 1] / weights[1];
            float dw = deltas[o + 2] / weights[2];
            float dh = deltas[o + 3] / weights[3];
            if (dw > scaleClamp) dw = scaleClamp;
            if (dh > scaleClamp) dh = scaleClamp;
            float pcx = (dx * widths[i]) + ctrX[i];
            float pcy = (dy * heights[i]) + ctrY[i];
            float pw = MathF.Exp(dw) * widths[i];
            float ph = MathF.Exp(dh) * heights[i];
            result[o] = pcx - (0.5f * pw);
            result[o + 1] = pcy - (0.5f * ph);
            result[o + 2] = pcx + (0.5f * pw);
            result[o + 3] = pcy + (0.5f * ph);
        }
        return result;
    }
}
