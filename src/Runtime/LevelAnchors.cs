using Detserve.Backends.Cpu;
using Detserve.Graph.Spec;

namespace Detserve.Runtime;

/// <summary>
/// DefaultAnchorGenerator (detectron2/modeling/anchor_generator.py) for a model: the cell anchors of each level computed once from the
/// config, and the grid of a feature map of a given size computed when a run needs it (no sample image).
/// </summary>
internal sealed class LevelAnchors
{
    private readonly float[][] _cells;
    private readonly AnchorSpec _spec;

    public LevelAnchors(AnchorSpec spec)
    {
        _spec = spec;
        _cells = new float[spec.Sizes.Count][];
        for (int l = 0; l < _cells.Length; l++) _cells[l] = AnchorGenerator.CellAnchors(spec.Sizes[l], spec.AspectRatios[l]);
    }

    public int AnchorsPerCell(int level) => _cells[level].Length / 4;

    /// <summary>(H * W * A) x 4 anchors of level <paramref name="level"/> in (y, x, anchor) order.</summary>
    public float[] Grid(int level, int height, int width)
    {
        int a = AnchorsPerCell(level);
        var grid = new float[height * width * a * 4];
        AnchorGenerator.GridAnchors(_cells[level], a, height, width, _spec.Strides[level], _spec.Offset, grid);
        return grid;
    }
}
