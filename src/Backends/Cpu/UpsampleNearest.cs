namespace Detserve.Backends.Cpu;

/// <summary>
/// FPN's top-down step (detectron2 modeling/backbone/fpn.py): lateral + F.interpolate(top, scale_factor=2,
/// mode="nearest"). With scale 2 the nearest source index is floor(dst / 2) (PyTorch's nearest_idx).
/// </summary>
public static class UpsampleNearest
{
    /// <summary>output[n, c, y, x] = lateral[n, c, y, x] + top[n, c, y / 2, x / 2]; top is [N, C, h, w], lateral and output [N, C, 2h, 2w].</summary>
    public static void Forward2xAdd(
        CpuContext ctx, ReadOnlySpan<float> top, ReadOnlySpan<float> lateral, int batch, int channels, int h, int w, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        const string op = "UpsampleNearest";
        ShapeException.ThrowIfNegative(op, nameof(batch), batch);
        ShapeException.ThrowIfNegative(op, nameof(channels), channels);
        ShapeException.ThrowIfNotPositive(op, nameof(h), h);
        ShapeException.ThrowIfNotPositive(op, nameof(w), w);
        int planes = batch * channels;
        int outW = 2 * w, outPlane = 4 * h * w;
        ShapeException.ThrowIfLengthNot(op, nameof(top), (long)planes * h * w, top.Length);
        ShapeException.ThrowIfLengthNot(op, nameof(lateral), (long)planes * outPlane, lateral.Length);
        ShapeException.ThrowIfLengthNot(op, nameof(output), (long)planes * outPlane, output.Length);
        unsafe
        {
            fixed (float* pTop = top)
            fixed (float* pLat = lateral)
            fixed (float* pOut = output)
            {
                float* t = pTop, l = pLat, o = pOut;
                ctx.ParallelForChunks(planes * 2 * h, 64, (r0, r1) =>
                {
                    for (int r = r0; r < r1; r++)
                    {
                        int p = r / (2 * h), y = r % (2 * h);
                        float* src = t + ((long)p * h * w) + ((y >> 1) * w);
                        long rowOffset = ((long)p * outPlane) + ((long)y * outW);
                        float* lat = l + rowOffset;
                        float* dst = o + rowOffset;
                        for (int x = 0; x < outW; x++) dst[x] = lat[x] + src[x >> 1];
                    }
                });
            }
        }
    }
}
