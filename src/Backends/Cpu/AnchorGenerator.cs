namespace Detserve.Backends.Cpu;

/// <summary>
/// detectron2/modeling/anchor_generator.py DefaultAnchorGenerator: cell anchors built in Python floats (float64) then
/// stored as float32; grid shifts from torch.arange(offset·stride, size·stride, stride, dtype=float32); anchors =
/// shift + cell anchor in float32, flattened in (y, x, anchor) order.
/// </summary>
public static class AnchorGenerator
{
    /// <summary>
    /// generate_cell_anchors(sizes, aspect_ratios): for size (outer) and ratio (inner), w = sqrt(size² / ratio),
    /// h = ratio·w, box (−w/2, −h/2, w/2, h/2). Returns [A x 4] float32, A = sizes · ratios.
    /// </summary>
    public static float[] CellAnchors(IReadOnlyList<double> sizes, IReadOnlyList<double> aspectRatios)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentNullException.ThrowIfNull(aspectRatios);
        float[] anchors = new float[sizes.Count * aspectRatios.Count * 4];
        int o = 0;
        foreach (double size in sizes)
        {
            double area = size * size; // size**2.0
            foreach (double ratio in aspectRatios)
            {
                double w = Math.Sqrt(area / ratio);
                double h = ratio * w;
                anchors[o++] = (float)(-w / 2.0);
                anchors[o++] = (float)(-h / 2.0);
                anchors[o++] = (float)(w / 2.0);
                anchors[o++] = (float)(h / 2.0);
            }
        }
        return anchors;
    }

    /// <summary>
    /// _grid_anchors for one level: output[(y·W + x)·A + a] = (sx, sy, sx, sy) + cell[a], with sx = arange value x,
    /// sy = arange value y. <paramref name="output"/> holds featureHeight·featureWidth·A x 4 floats.
    /// </summary>
    public static void GridAnchors(
        ReadOnlySpan<float> cellAnchors, int anchorsPerCell, int featureHeight, int featureWidth, int stride, double offset, Span<float> output)
    {
        const string op = "AnchorGenerator";
        ShapeException.ThrowIfNotPositive(op, nameof(anchorsPerCell), anchorsPerCell);
        ShapeException.ThrowIfNegative(op, nameof(featureHeight), featureHeight);
        ShapeException.ThrowIfNegative(op, nameof(featureWidth), featureWidth);
        ShapeException.ThrowIfNotPositive(op, nameof(stride), stride);
        ShapeException.ThrowIfLengthNot(op, nameof(cellAnchors), (long)anchorsPerCell * 4, cellAnchors.Length);
        float[] shiftsX = Arange(offset * stride, (double)featureWidth * stride, stride);
        float[] shiftsY = Arange(offset * stride, (double)featureHeight * stride, stride);
        long needed = (long)shiftsY.Length * shiftsX.Length * anchorsPerCell * 4;
        ShapeException.ThrowIfLengthNot(op, nameof(output), needed, output.Length);
        int o = 0;
        foreach (float sy in shiftsY)
        {
            foreach (float sx in shiftsX)
            {
                for (int a = 0; a < anchorsPerCell; a++)
                {
                    output[o++] = sx + cellAnchors[a * 4];
                    output[o++] = sy + cellAnchors[(a * 4) + 1];
                    output[o++] = sx + cellAnchors[(a * 4) + 2];
                    output[o++] = sy + cellAnchors[(a * 4) + 3];
                }
            }
        }
    }

    /// <summary>Number of anchors GridAnchors produces per row of the arange (PyTorch: ceil((end − start) / step)).</summary>
    internal static float[] Arange(double start, double end, double step)
    {
        // aten/src/ATen/native/RangeFactories.cpp: size = ceil((end - start) / step) in double; element i = start + i·step
        // computed in the accumulate type (double for float) and stored as float.
        int size = (int)Math.Max(0, Math.Ceiling((end - start) / step));
        float[] values = new float[size];
        for (int i = 0; i < size; i++) values[i] = (float)(start + (step * i));
        return values;
    }
}
