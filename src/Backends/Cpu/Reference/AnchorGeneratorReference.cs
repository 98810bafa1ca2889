namespace Detserve.Backends.Cpu.Reference;

/// <summary>
/// The definition of <see cref="AnchorGenerator"/>: generate_cell_anchors in float64 then float32;
/// _create_grid_offsets via arange(offset·stride, size·stride, stride) in float32 and meshgrid (y outer);
/// anchors = (shifts.view(−1, 1, 4) + base.view(1, −1, 4)).reshape(−1, 4).
/// </summary>
public static class AnchorGeneratorReference
{
    /// <summary>All anchors of one level [(H·W·A) x 4].</summary>
    public static float[] GridAnchors(IReadOnlyList<double> sizes, IReadOnlyList<double> ratios, int featureHeight, int featureWidth, int stride, double offset)
    {
        var cell = new List<float[]>();
        foreach (double size in sizes)
        foreach (double ratio in ratios)
        {
            double area = Math.Pow(size, 2.0);
            double w = Math.Sqrt(area / ratio);
            double h = ratio * w;
            cell.Add([(float)(-w / 2.0), (float)(-h / 2.0), (float)(w / 2.0), (float)(h / 2.0)]);
        }
        var result = new List<float>();
        for (int y = 0; y < featureHeight; y++)
        for (int x = 0; x < featureWidth; x++)
        {
            float sx = (float)((offset * stride) + ((double)stride * x));
            float sy = (float)((offset * stride) + ((double)stride * y));
            foreach (float[] a in cell)
            {
                result.Add(sx + a[0]);
                result.Add(sy + a[1]);
                result.Add(sx + a[2]);
                result.Add(sy + a[3]);
            }
        }
        return result.ToArray();
    }
}
