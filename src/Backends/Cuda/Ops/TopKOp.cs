using System.Numerics;

namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// torch.topk(largest, sorted) over many rows at once, row extents and counts on the device (Kernels/topk.cu);
/// matches the CPU TopK.Indices on values without exact ties. Borrows the library.
/// </summary>
public sealed class TopKOp
{
    /// <summary>Largest k one launch supports (shared-memory sort of TOPK_MAX keys).</summary>
    public const int MaxK = 4096;

    private readonly CudaKernel _kernel;

    /// <summary>Compiles the kernel for k up to <paramref name="maxK"/>.</summary>
    public TopKOp(KernelLibrary library, int maxK)
    {
        ArgumentNullException.ThrowIfNull(library);
        if (maxK is < 1 or > MaxK) throw new Cpu.ShapeException("TopK", nameof(maxK), $"1..{MaxK}", maxK.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Capacity = (int)Math.Max(32, BitOperations.RoundUpToPowerOf2((uint)maxK));
        _kernel = library.Get("topk.cu", "topk_rows", library.BaseOptions().Define("TOPK_MAX", Capacity));
    }

    /// <summary>The compiled TOPK_MAX (a power of two >= the k asked for).</summary>
    public int Capacity { get; }

    /// <summary>
    /// For each of <paramref name="rows"/> rows (values[rowOffsets[r] ..][..rowCounts[r]], offsets int64 and counts
    /// int32 on the device): the min(k, count) largest values, largest first, into outIndices / outValues at r·k and
    /// the count into outCounts[r]. With <paramref name="indexMap"/> the index written is indexMap[rowOffset + i].
    /// </summary>
    public void Enqueue(DeviceBuffer values, DeviceBuffer rowOffsets, DeviceBuffer rowCounts, int rows, int k, DeviceBuffer? indexMap,
        DeviceBuffer outIndices, DeviceBuffer outValues, DeviceBuffer outCounts, CudaStream stream)
    {
        const string op = "TopK";
        DeviceShape.NotNegative(op, nameof(rows), rows);
        DeviceShape.Positive(op, nameof(k), k);
        if (k > Capacity) throw new Cpu.ShapeException(op, nameof(k), $"<= {Capacity} (the compiled TOPK_MAX)", k.ToString(System.Globalization.CultureInfo.InvariantCulture));
        ArgumentNullException.ThrowIfNull(values);
        DeviceShape.Holds(op, nameof(rowOffsets), rowOffsets, rows, 8);
        DeviceShape.Holds(op, nameof(rowCounts), rowCounts, rows, 4);
        DeviceShape.Holds(op, nameof(outIndices), outIndices, (long)rows * k, 4);
        DeviceShape.Holds(op, nameof(outValues), outValues, (long)rows * k, 4);
        DeviceShape.Holds(op, nameof(outCounts), outCounts, rows, 4);
        var args = new KernelArguments().Add(values).Add(rowOffsets).Add(rowCounts).Add(k);
        if (indexMap is null) args.AddPointer(0); else args.Add(indexMap);
        args.Add(outIndices).Add(outValues).Add(outCounts);
        _kernel.Launch(LaunchGeometry.OneBlockPer(rows, 1024), stream, args);
    }
}
