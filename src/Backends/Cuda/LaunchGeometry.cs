namespace Detserve.Backends.Cuda;

/// <summary>
/// Grid and block dimensions plus dynamic shared memory of one launch. The limits are the CUDA ones
/// (CUDA C++ Programming Guide, "Features and Technical Specifications"): grid x up to 2^31 - 1, y and z up
/// to 65535, at most 1024 threads per block.
/// </summary>
public readonly record struct LaunchGeometry(int GridX, int GridY, int GridZ, int BlockX, int BlockY, int BlockZ, int SharedMemoryBytes = 0)
{
    /// <summary>Largest grid y / z dimension.</summary>
    public const int MaxGridYZ = 65535;

    /// <summary>Most threads in one block.</summary>
    public const int MaxThreadsPerBlock = 1024;

    /// <summary>True when there is nothing to launch (some grid dimension is 0).</summary>
    public bool IsEmpty => GridX == 0 || GridY == 0 || GridZ == 0;

    /// <summary>One thread per element, 1-D: grid = ceil(count / block).</summary>
    public static LaunchGeometry ForElements(long count, int blockSize = 256)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        CheckBlock(blockSize);
        long grid = CeilDiv(count, blockSize);
        if (grid > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(count), $"{count} elements need {grid} blocks of {blockSize}, above the grid limit {int.MaxValue}");
        return new LaunchGeometry((int)grid, 1, 1, blockSize, 1, 1);
    }

    /// <summary>One thread per element of each of <paramref name="rows"/> rows: grid = (ceil(count / block), rows).</summary>
    public static LaunchGeometry ForRows(long countPerRow, int rows, int blockSize = 256)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (rows > MaxGridYZ) throw new ArgumentOutOfRangeException(nameof(rows), $"{rows} rows exceed the grid y limit {MaxGridYZ}");
        var g = ForElements(countPerRow, blockSize);
        return g with { GridY = rows };
    }

    /// <summary>One block per item: grid = (items, 1, 1), block = <paramref name="blockSize"/>.</summary>
    public static LaunchGeometry OneBlockPer(long items, int blockSize, int sharedMemoryBytes = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(items);
        CheckBlock(blockSize);
        if (items > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(items), $"{items} blocks exceed the grid limit {int.MaxValue}");
        return new LaunchGeometry((int)items, 1, 1, blockSize, 1, 1, sharedMemoryBytes);
    }

    /// <summary>ceil(a / b) for non-negative a and positive b.</summary>
    public static long CeilDiv(long a, long b) => (a + b - 1) / b;

    /// <summary>Throws if a dimension is outside CUDA's limits; <paramref name="kernel"/> names the launch.</summary>
    public void Validate(string kernel)
    {
        if (GridX < 0 || GridY < 0 || GridZ < 0 || GridY > MaxGridYZ || GridZ > MaxGridYZ)
            throw new ArgumentOutOfRangeException(nameof(GridX), $"{kernel}: grid {GridX}x{GridY}x{GridZ} is outside CUDA's limits");
        long threads = (long)BlockX * BlockY * BlockZ;
        if (BlockX <= 0 || BlockY <= 0 || BlockZ <= 0 || threads > MaxThreadsPerBlock)
            throw new ArgumentOutOfRangeException(nameof(BlockX), $"{kernel}: block {BlockX}x{BlockY}x{BlockZ} is outside CUDA's limits (1..{MaxThreadsPerBlock} threads)");
        if (SharedMemoryBytes < 0)
            throw new ArgumentOutOfRangeException(nameof(SharedMemoryBytes), $"{kernel}: negative shared memory {SharedMemoryBytes}");
    }

    /// <summary>"grid (x, y, z) block (x, y, z) smem n" for messages.</summary>
    public override string ToString() => $"grid ({GridX}, {GridY}, {GridZ}) block ({BlockX}, {BlockY}, {BlockZ}) smem {SharedMemoryBytes}";

    private static void CheckBlock(int blockSize)
    {
        if (blockSize <= 0 || blockSize > MaxThreadsPerBlock)
            throw new ArgumentOutOfRangeException(nameof(blockSize), $"block size {blockSize} is outside 1..{MaxThreadsPerBlock}");
    }
}
