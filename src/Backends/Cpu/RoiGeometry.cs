namespace Detserve.Backends.Cpu;

/// <summary>The per-roi quantities of torchvision's roi_align_forward_kernel_impl, computed in float32 in its order.</summary>
internal readonly record struct RoiGeometry(float StartW, float StartH, float BinW, float BinH, int GridW, int GridH, float Count)
{
    internal static RoiGeometry Create(ReadOnlySpan<float> roi, float spatialScale, RoiAlignParams p)
    {
        float offset = p.Aligned ? 0.5f : 0f;
        float startW = (roi[1] * spatialScale) - offset;
        float startH = (roi[2] * spatialScale) - offset;
        float endW = (roi[3] * spatialScale) - offset;
        float endH = (roi[4] * spatialScale) - offset;
        float roiW = endW - startW;
        float roiH = endH - startH;
        if (!p.Aligned)
        {
            // Legacy (non-aligned) mode forces malformed rois to be 1 x 1.
            roiW = MathF.Max(roiW, 1f);
            roiH = MathF.Max(roiH, 1f);
        }
        float binH = roiH / p.OutputSize;
        float binW = roiW / p.OutputSize;
        int gridH = p.SamplingRatio > 0 ? p.SamplingRatio : (int)MathF.Ceiling(roiH / p.OutputSize);
        int gridW = p.SamplingRatio > 0 ? p.SamplingRatio : (int)MathF.Ceiling(roiW / p.OutputSize);
        float count = Math.Max(gridH * gridW, 1);
        return new RoiGeometry(startW, startH, binW, binH, gridW, gridH, count);
    }
}
