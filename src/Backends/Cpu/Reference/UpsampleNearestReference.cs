namespace Detserve.Backends.Cpu.Reference;

/// <summary>
/// The definition of <see cref="UpsampleNearest"/>: lateral + F.interpolate(top, scale_factor=2, mode="nearest"), with
/// PyTorch's nearest source index floor(dst · (1 / scale)) written out (aten/src/ATen/native/UpSample.h nearest_idx).
/// </summary>
public static class UpsampleNearestReference
{
    /// <summary>output = lateral + nearest-upsampled top.</summary>
    public static void Forward2xAdd(ReadOnlySpan<float> top, ReadOnlySpan<float> lateral, int batch, int channels, int h, int w, Span<float> output)
    {
        int oh = 2 * h, ow = 2 * w;
        const float inverseScale = 0.5f;
        for (int p = 0; p < batch * channels; p++)
        for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++)
        {
            int sy = Math.Min((int)MathF.Floor(y * inverseScale), h - 1);
            int sx = Math.Min((int)MathF.Floor(x * inverseScale), w - 1);
            int o = (p * oh * ow) + (y * ow) + x;
            output[o] = lateral[o] + top[(p * h * w) + (sy * w) + sx];
        }
    }
}
