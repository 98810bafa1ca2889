using Detserve.Backends.Cpu;
using Detserve.Backends.Cuda;
using Detserve.Graph.Spec;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// DefaultAnchorGenerator's anchors of every feature level on the device, as one array over the levels in order (A x H x W
/// boxes per level, the order Detectron2 concatenates the levels' predictions in); shared by the R-CNN and RetinaNet plans.
/// </summary>
internal static class DeviceLevelAnchors
{
    /// <summary>Where each level's anchors start in the concatenation, and (<paramref name="total"/>) how many there are.</summary>
    public static long[] Offsets(IReadOnlyList<(int H, int W)> levels, int anchorsPerCell, out long total)
    {
        var offsets = new long[levels.Count];
        total = 0;
        for (int l = 0; l < levels.Count; l++)
        {
            offsets[l] = total;
            total += (long)anchorsPerCell * levels[l].H * levels[l].W;
        }
        return offsets;
    }

    /// <summary>
    /// Fills <paramref name="anchors"/> (x1 y1 x2 y2 float32 per anchor, at <paramref name="offsets"/>) from the cell anchors of
    /// MODEL.ANCHOR_GENERATOR (AnchorGenerator.CellAnchors, as the CPU LevelAnchors), once per plan; waits for the copies so the
    /// host cell arrays can go.
    /// </summary>
    public static void Fill(GpuContext gpu, AnchorSpec spec, IReadOnlyList<string> levelNames, IReadOnlyList<(int H, int W)> levels,
        int anchorsPerCell, long[] offsets, DeviceBuffer anchors)
    {
        for (int l = 0; l < levels.Count; l++)
        {
            float[] cells = AnchorGenerator.CellAnchors(spec.Sizes[l], spec.AspectRatios[l]);
            if (cells.Length != anchorsPerCell * 4)
                throw new InvalidOperationException($"level {levelNames[l]}: {cells.Length / 4} cell anchors for a head of {anchorsPerCell} per cell");
            using DeviceBuffer cellBuffer = gpu.Device.Allocate(cells.Length * 4L);
            cellBuffer.Upload<float>(cells, gpu.Stream);
            long count = (long)anchorsPerCell * levels[l].H * levels[l].W;
            gpu.GridAnchors.Enqueue(cellBuffer, anchorsPerCell, levels[l].H, levels[l].W, spec.Strides[l], spec.Offset,
                anchors.Slice(offsets[l] * 16, count * 16), gpu.Stream);
            gpu.Stream.Synchronize();
        }
    }
}
