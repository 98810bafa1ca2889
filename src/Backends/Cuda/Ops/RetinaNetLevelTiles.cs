namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// How <see cref="RetinaNetLevelTopKOp"/> cuts its work (host-side, tested on the CPU): one row per (image, level), image-major, at
/// <see cref="RowBase"/>[r] floats into the batch's scores with <see cref="RowPlane"/>[r] = H * W; each row in tiles of at most the
/// tile size, in order, the last one partial (<see cref="TileRow"/>, <see cref="TileStart"/> within the row, <see cref="TileLength"/>).
/// </summary>
public sealed record RetinaNetLevelTiles(long[] RowBase, int[] RowPlane, int[] TileRow, int[] TileStart, int[] TileLength)
{
    /// <summary>The rows and tiles of a batch whose images hold their levels' H * W * A * K scores one after another.</summary>
    public static RetinaNetLevelTiles Plan(int batch, IReadOnlyList<long> levelPlanes, int anchorsTimesClasses, int tileElements)
    {
        ArgumentNullException.ThrowIfNull(levelPlanes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(anchorsTimesClasses);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tileElements);
        int levels = levelPlanes.Count;
        long perImage = 0;
        var levelOffsets = new long[levels];
        for (int l = 0; l < levels; l++)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(levelPlanes[l]);
            levelOffsets[l] = perImage;
            perImage += levelPlanes[l] * anchorsTimesClasses;
        }
        var rowBase = new long[batch * levels];
        var rowPlane = new int[batch * levels];
        var tileRow = new List<int>();
        var tileStart = new List<int>();
        var tileLength = new List<int>();
        for (int n = 0; n < batch; n++)
            for (int l = 0; l < levels; l++)
            {
                int r = (n * levels) + l;
                rowBase[r] = (n * perImage) + levelOffsets[l];
                rowPlane[r] = checked((int)levelPlanes[l]);
                int count = checked((int)(levelPlanes[l] * anchorsTimesClasses));
                for (int s = 0; s < count; s += tileElements)
                {
                    tileRow.Add(r);
                    tileStart.Add(s);
                    tileLength.Add(Math.Min(tileElements, count - s));
                }
            }
        return new RetinaNetLevelTiles(rowBase, rowPlane, tileRow.ToArray(), tileStart.ToArray(), tileLength.ToArray());
    }
}
