using System.Globalization;
using System.Numerics;
using Detserve.Backends.Cpu;

namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// torchvision batched_nms for one image with fixed capacities and the candidate count on the device
/// (Kernels/nms.cu then Kernels/topk.cu): keeps, by decreasing score, at most <see cref="MaxOutput"/> indices.
/// Matches <see cref="Nms.BatchedNms(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, int, double, Span{int})"/>
/// followed by truncation, on scores without exact ties. Owns its scratch (allocated here, never in Enqueue);
/// borrows the library.
/// </summary>
public sealed class BatchedNmsOp : IDisposable
{
    /// <summary>Most members one group may have (the suppression matrix lives in shared memory).</summary>
    public const int MaxGroupSizeLimit = 1024;

    /// <summary>torchvision's batched_nms on CPU switches from the coordinate trick to per-group NMS above this many box coordinates.</summary>
    public const int CpuOffsetThresholdElements = 4000;

    private const int Threads = 256;

    private readonly CudaKernel _perGroup, _merge;
    private readonly TopKOp _topK;
    private readonly DeviceBuffer _keptIndex, _keptScores, _keptCount, _mergedIndex, _mergedScores, _mergedCount, _overflow, _rowOffset, _topScores;
    private readonly int _dynamicSharedBytes;

    /// <summary>Plans the op: compiles the kernels for the group size and allocates the scratch.</summary>
    /// <param name="library">kernels (borrowed).</param>
    /// <param name="capacity">most candidates one call may hold.</param>
    /// <param name="numGroups">groups are 0 .. numGroups − 1 (classes, or FPN levels).</param>
    /// <param name="maxGroupSize">most candidates of one group (e.g. the RPN's per-level top-k, or the proposal count per class).</param>
    /// <param name="maxOutput">how many kept indices to return (POST_NMS_TOPK_TEST, DETECTIONS_PER_IMAGE).</param>
    public BatchedNmsOp(KernelLibrary library, int capacity, int numGroups, int maxGroupSize, int maxOutput)
    {
        ArgumentNullException.ThrowIfNull(library);
        const string op = "BatchedNms";
        DeviceShape.NotNegative(op, nameof(capacity), capacity);
        DeviceShape.Positive(op, nameof(numGroups), numGroups);
        DeviceShape.Positive(op, nameof(maxOutput), maxOutput);
        if (maxGroupSize is < 1 or > MaxGroupSizeLimit)
            throw new ShapeException(op, nameof(maxGroupSize), $"1..{MaxGroupSizeLimit}", maxGroupSize.ToString(CultureInfo.InvariantCulture));
        Capacity = capacity;
        NumGroups = numGroups;
        MaxOutput = maxOutput;
        GroupCapacity = (int)Math.Max(64, BitOperations.RoundUpToPowerOf2((uint)maxGroupSize));
        var options = library.BaseOptions().Define("NMS_MAX_GROUP", GroupCapacity);
        _perGroup = library.Get("nms.cu", "nms_per_group", options);
        _merge = library.Get("nms.cu", "nms_merge", options);
        _dynamicSharedBytes = GroupCapacity * ((GroupCapacity + 63) / 64) * 8;
        _perGroup.SetMaxDynamicSharedMemory(_dynamicSharedBytes);
        _topK = new TopKOp(library, maxOutput);
        var device = library.Device;
        long slots = (long)numGroups * GroupCapacity;
        _keptIndex = device.Allocate(slots * 4);
        _keptScores = device.Allocate(slots * 4);
        _keptCount = device.Allocate(numGroups * 4L);
        _mergedIndex = device.Allocate(slots * 4);
        _mergedScores = device.Allocate(slots * 4);
        _mergedCount = device.Allocate(4);
        _overflow = device.Allocate(4);
        _rowOffset = device.Allocate(8);
        _topScores = device.Allocate(maxOutput * 4L);
        using var stream = device.CreateStream();
        _rowOffset.Upload<long>([0L], stream);
        _overflow.Fill(0, stream);
        stream.Synchronize();
    }

    /// <summary>Most candidates per call.</summary>
    public int Capacity { get; }

    /// <summary>Number of groups.</summary>
    public int NumGroups { get; }

    /// <summary>Compiled per-group capacity (a power of two).</summary>
    public int GroupCapacity { get; }

    /// <summary>Kept indices returned at most.</summary>
    public int MaxOutput { get; }

    /// <summary>Device memory this op holds.</summary>
    public long ScratchBytes => (5L * NumGroups * GroupCapacity * 4) + (NumGroups * 4L) + 16 + 8 + (MaxOutput * 4L);

    /// <summary>
    /// keep[0 .. *keepCount) = indices of the kept candidates by decreasing score (at most MaxOutput); candidates are
    /// boxes [capacity, 4], scores [capacity], groups [capacity] (int32), the first *count (device int32) of them.
    /// <paramref name="keepScores"/> (optional, MaxOutput floats) receives their scores.
    /// </summary>
    public void Enqueue(DeviceBuffer boxes, DeviceBuffer scores, DeviceBuffer groups, DeviceBuffer count, double iouThreshold,
        DeviceBuffer keep, DeviceBuffer keepCount, DeviceBuffer? keepScores, CudaStream stream, int offsetThresholdElements = CpuOffsetThresholdElements)
    {
        const string op = "BatchedNms";
        DeviceShape.Holds(op, nameof(boxes), boxes, Capacity * 4L, 4);
        DeviceShape.Holds(op, nameof(scores), scores, Capacity, 4);
        DeviceShape.Holds(op, nameof(groups), groups, Capacity, 4);
        DeviceShape.Holds(op, nameof(count), count, 1, 4);
        DeviceShape.Holds(op, nameof(keep), keep, MaxOutput, 4);
        DeviceShape.Holds(op, nameof(keepCount), keepCount, 1, 4);
        if (keepScores is not null) DeviceShape.Holds(op, nameof(keepScores), keepScores, MaxOutput, 4);
        if (!(iouThreshold >= 0 && iouThreshold <= 1))
            throw new ShapeException(op, nameof(iouThreshold), "in [0, 1]", iouThreshold.ToString(CultureInfo.InvariantCulture));
        var perGroup = new KernelArguments()
            .Add(boxes).Add(scores).Add(groups).Add(count).Add(Capacity).Add(iouThreshold).Add(offsetThresholdElements)
            .Add(_keptIndex).Add(_keptScores).Add(_keptCount).Add(_overflow);
        _perGroup.Launch(LaunchGeometry.OneBlockPer(NumGroups, Threads, _dynamicSharedBytes), stream, perGroup);
        var merge = new KernelArguments()
            .Add(_keptIndex).Add(_keptScores).Add(_keptCount).Add(NumGroups).Add(_mergedIndex).Add(_mergedScores).Add(_mergedCount);
        _merge.Launch(LaunchGeometry.OneBlockPer(1, Threads), stream, merge);
        _topK.Enqueue(_mergedScores, _rowOffset, _mergedCount, 1, MaxOutput, _mergedIndex, keep, keepScores ?? _topScores, keepCount, stream);
    }

    /// <summary>Candidates dropped so far because a group exceeded its capacity (reads the device; synchronises the stream).</summary>
    public int ReadOverflow(CudaStream stream)
    {
        var value = new int[1];
        _overflow.Download<int>(value, stream);
        return value[0];
    }

    /// <summary>Frees the scratch.</summary>
    public void Dispose()
    {
        _topScores.Dispose();
        _rowOffset.Dispose();
        _overflow.Dispose();
        _mergedCount.Dispose();
        _mergedScores.Dispose();
        _mergedIndex.Dispose();
        _keptCount.Dispose();
        _keptScores.Dispose();
        _keptIndex.Dispose();
    }
}
