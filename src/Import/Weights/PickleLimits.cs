namespace Detserve.Import.Weights;

/// <summary>
/// Bounds the pickle and zip readers enforce before they allocate, so that a hostile file ends in a
/// <see cref="WeightFileException"/> quickly and with bounded memory. The defaults are far above what any
/// Detectron2 checkpoint needs (a zoo R-101 file nests 3 levels, memoizes ~20k objects and holds ~250 MB).
/// </summary>
public sealed record PickleLimits
{
    /// <summary>The defaults.</summary>
    public static PickleLimits Default { get; } = new();

    /// <summary>Deepest nesting of containers (tuple, list, dict, set) and of MARKs.</summary>
    public int MaxDepth { get; init; } = 200;

    /// <summary>Most distinct memo slots (PUT/BINPUT/LONG_BINPUT/MEMOIZE).</summary>
    public int MaxMemoEntries { get; init; } = 1_000_000;

    /// <summary>Most values on the unpickler's stack at once.</summary>
    public int MaxStackItems { get; init; } = 1_000_000;

    /// <summary>Total bytes the file may declare: strings, bytes, storages and tensors built from them.</summary>
    public long MaxTotalBytes { get; init; } = 16L << 30;

    /// <summary>Most elements in one array or tensor.</summary>
    public long MaxElementCount { get; init; } = int.MaxValue;

    /// <summary>Most entries in a torch zip archive.</summary>
    public int MaxZipEntries { get; init; } = 1_000_000;
}
