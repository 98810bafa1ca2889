using Detserve.Backends.Cpu;

namespace Detserve.Runtime;

/// <summary>
/// detectron2/modeling/poolers.py ROIPooler: boxes of all images in one list with their batch index, each assigned to an FPN level by
/// assign_boxes_to_levels (canonical box 224 at level 4), then ROIAlign on that level with scale 1/stride.
/// POOLER_TYPE ROIAlignV2 is aligned=True, ROIAlign aligned=False.
/// </summary>
internal sealed class RoiPooler(IReadOnlyList<int> strides, int resolution, int samplingRatio, bool aligned)
{
    private readonly int _minLevel = System.Numerics.BitOperations.Log2((uint)strides[0]);
    private readonly int _maxLevel = System.Numerics.BitOperations.Log2((uint)strides[^1]);

    public int Resolution => resolution;

    /// <summary>Pools (R, C, res, res) for the boxes of every image; <paramref name="boxesPerImage"/>[n] are xyxy in resized-image pixels.</summary>
    public FeatureMap Pool(CpuContext ctx, IReadOnlyList<FeatureMap> features, IReadOnlyList<float[]> boxesPerImage)
    {
        int total = 0;
        foreach (float[] b in boxesPerImage) total += b.Length / 4;
        int channels = features[0].Channels;
        var output = new float[total * channels * resolution * resolution];
        if (total == 0) return new FeatureMap(output, 0, channels, resolution, resolution);

        var rois = new float[total * 5];
        var flat = new float[total * 4];
        int r = 0;
        for (int n = 0; n < boxesPerImage.Count; n++)
        {
            float[] b = boxesPerImage[n];
            for (int i = 0; i < b.Length / 4; i++, r++)
            {
                rois[5 * r] = n;
                b.AsSpan(4 * i, 4).CopyTo(rois.AsSpan((5 * r) + 1, 4));
                b.AsSpan(4 * i, 4).CopyTo(flat.AsSpan(4 * r, 4));
            }
        }
        var levelIndex = new int[total];
        RoiLevels.AssignLevels(flat, total, _minLevel, _maxLevel, 224, 4, levelIndex);
        var levels = new FeatureLevel[features.Count];
        for (int l = 0; l < features.Count; l++)
        {
            FeatureMap f = features[l];
            levels[l] = new FeatureLevel(f.Data, f.Batch, f.Channels, f.Height, f.Width, 1f / strides[l]);
        }
        RoiAlign.ForwardMultiLevel(ctx, levels, new RoiAlignParams(resolution, samplingRatio, aligned), rois, levelIndex, total, output);
        return new FeatureMap(output, total, channels, resolution, resolution);
    }
}
