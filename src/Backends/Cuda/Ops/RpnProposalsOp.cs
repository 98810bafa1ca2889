using System.Globalization;
using Detserve.Backends.Cpu;

namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// Detectron2's RPN inference after the head, for one image, on the GPU with no host synchronisation
/// (find_top_rpn_proposals): per-level top-k of the objectness logits (topk.cu), decode + validity + clip + nonempty
/// (rpn_proposals.cu), order-preserving compaction (select.cu), batched NMS with the level as group (nms.cu), first
/// POST_NMS_TOPK proposals (topk.cu, select.cu). Planned for fixed level shapes; owns its scratch; borrows the library.
/// </summary>
public sealed class RpnProposalsOp : IDisposable
{
    private readonly TopKOp _topK;
    private readonly BatchedNmsOp _nms;
    private readonly CandidateSelection _select;
    private readonly CudaKernel _decode;
    private readonly List<DeviceBuffer> _owned = [];
    private readonly DeviceBuffer _levelOffsets, _levelHeights, _levelWidths, _rowCounts;
    private readonly DeviceBuffer _topIndex, _topLogit, _topCount;
    private readonly DeviceBuffer _candBoxes, _candScores, _candGroups, _candFlags;
    private readonly DeviceBuffer _denseBoxes, _denseScores, _denseGroups, _denseCount, _keep, _keepCount;

    /// <summary>Plans the stage.</summary>
    /// <param name="library">kernels (borrowed).</param>
    /// <param name="levels">feature sizes (height, width) of each level, p2 first.</param>
    /// <param name="anchorsPerCell">A (3 for Detectron2's aspect ratios 0.5, 1, 2).</param>
    /// <param name="preNmsTopK">MODEL.RPN.PRE_NMS_TOPK_TEST (per level, at most 1024).</param>
    /// <param name="postNmsTopK">MODEL.RPN.POST_NMS_TOPK_TEST.</param>
    /// <param name="nmsThreshold">MODEL.RPN.NMS_THRESH.</param>
    /// <param name="minBoxSize">the nonempty threshold (0 in Detectron2's RPN).</param>
    public RpnProposalsOp(KernelLibrary library, IReadOnlyList<(int Height, int Width)> levels, int anchorsPerCell,
        int preNmsTopK, int postNmsTopK, double nmsThreshold, float minBoxSize = 0f)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(levels);
        const string op = "RpnProposals";
        DeviceShape.Positive(op, nameof(levels), levels.Count);
        DeviceShape.Positive(op, nameof(anchorsPerCell), anchorsPerCell);
        DeviceShape.Positive(op, nameof(postNmsTopK), postNmsTopK);
        if (preNmsTopK is < 1 or > BatchedNmsOp.MaxGroupSizeLimit)
            throw new ShapeException(op, nameof(preNmsTopK), $"1..{BatchedNmsOp.MaxGroupSizeLimit}", preNmsTopK.ToString(CultureInfo.InvariantCulture));
        Levels = levels.ToArray();
        AnchorsPerCell = anchorsPerCell;
        PreNmsTopK = preNmsTopK;
        PostNmsTopK = postNmsTopK;
        NmsThreshold = nmsThreshold;
        MinBoxSize = minBoxSize;
        var offsets = new long[levels.Count];
        var counts = new int[levels.Count];
        long total = 0;
        for (int l = 0; l < levels.Count; l++)
        {
            DeviceShape.Positive(op, $"levels[{l}].Height", levels[l].Height);
            DeviceShape.Positive(op, $"levels[{l}].Width", levels[l].Width);
            offsets[l] = total;
            counts[l] = checked(levels[l].Height * levels[l].Width * anchorsPerCell);
            total += counts[l];
        }
        TotalAnchors = total;
        _topK = new TopKOp(library, preNmsTopK);
        _select = new CandidateSelection(library);
        _decode = library.Get("rpn_proposals.cu", "rpn_decode_candidates");
        int candidates = levels.Count * preNmsTopK;
        _nms = new BatchedNmsOp(library, candidates, levels.Count, preNmsTopK, postNmsTopK);
        var device = library.Device;
        DeviceBuffer Alloc(long bytes)
        {
            var b = device.Allocate(bytes);
            _owned.Add(b);
            return b;
        }
        _levelOffsets = Alloc(levels.Count * 8L);
        _levelHeights = Alloc(levels.Count * 4L);
        _levelWidths = Alloc(levels.Count * 4L);
        _rowCounts = Alloc(levels.Count * 4L);
        _topIndex = Alloc(candidates * 4L);
        _topLogit = Alloc(candidates * 4L);
        _topCount = Alloc(levels.Count * 4L);
        _candBoxes = Alloc(candidates * 16L);
        _candScores = Alloc(candidates * 4L);
        _candGroups = Alloc(candidates * 4L);
        _candFlags = Alloc(candidates * 4L);
        _denseBoxes = Alloc(candidates * 16L);
        _denseScores = Alloc(candidates * 4L);
        _denseGroups = Alloc(candidates * 4L);
        _denseCount = Alloc(4);
        _keep = Alloc(postNmsTopK * 4L);
        _keepCount = Alloc(4);
        using var stream = device.CreateStream();
        _levelOffsets.Upload<long>(offsets, stream);
        _levelHeights.Upload<int>(levels.Select(l => l.Height).ToArray(), stream);
        _levelWidths.Upload<int>(levels.Select(l => l.Width).ToArray(), stream);
        _rowCounts.Upload<int>(counts, stream);
        stream.Synchronize();
    }

    /// <summary>Feature sizes per level.</summary>
    public IReadOnlyList<(int Height, int Width)> Levels { get; }

    /// <summary>Anchors per position.</summary>
    public int AnchorsPerCell { get; }

    /// <summary>Per-level candidates.</summary>
    public int PreNmsTopK { get; }

    /// <summary>Proposals returned at most.</summary>
    public int PostNmsTopK { get; }

    /// <summary>IoU threshold of the per-level NMS.</summary>
    public double NmsThreshold { get; }

    /// <summary>Nonempty threshold.</summary>
    public float MinBoxSize { get; }

    /// <summary>Anchors over all levels (the length of the objectness input).</summary>
    public long TotalAnchors { get; }

    /// <summary>
    /// proposals [PostNmsTopK, 4] and their logits, count in <paramref name="outCount"/> (slots after it zeroed), from
    /// objectness [TotalAnchors] (levels concatenated, each NCHW [A, H, W]), deltas [4 · TotalAnchors] (each NCHW
    /// [4A, H, W]) and anchors [TotalAnchors, 4] ((y, x, a) order per level), for an image of the given unpadded size.
    /// </summary>
    public void Enqueue(DeviceBuffer objectness, DeviceBuffer deltas, DeviceBuffer anchors, int imageHeight, int imageWidth,
        DeviceBuffer outBoxes, DeviceBuffer outLogits, DeviceBuffer outCount, CudaStream stream)
    {
        const string op = "RpnProposals";
        DeviceShape.Holds(op, nameof(objectness), objectness, TotalAnchors, 4);
        DeviceShape.Holds(op, nameof(deltas), deltas, TotalAnchors * 4, 4);
        DeviceShape.Holds(op, nameof(anchors), anchors, TotalAnchors * 4, 4);
        DeviceShape.Holds(op, nameof(outBoxes), outBoxes, PostNmsTopK * 4L, 4);
        DeviceShape.Holds(op, nameof(outLogits), outLogits, PostNmsTopK, 4);
        DeviceShape.Holds(op, nameof(outCount), outCount, 1, 4);
        DeviceShape.Positive(op, nameof(imageHeight), imageHeight);
        DeviceShape.Positive(op, nameof(imageWidth), imageWidth);
        int k = PreNmsTopK, levels = Levels.Count, candidates = levels * k;
        _topK.Enqueue(objectness, _levelOffsets, _rowCounts, levels, k, null, _topIndex, _topLogit, _topCount, stream);
        var decode = new KernelArguments()
            .Add(deltas).Add(anchors).Add(_levelOffsets).Add(_levelHeights).Add(_levelWidths)
            .Add(AnchorsPerCell).Add(levels).Add(k).Add(_topIndex).Add(_topLogit).Add(_topCount)
            .Add(Box2BoxTransform.DefaultScaleClamp).Add((float)imageHeight).Add((float)imageWidth).Add(MinBoxSize)
            .Add(_candBoxes).Add(_candScores).Add(_candGroups).Add(_candFlags);
        _decode.Launch(LaunchGeometry.ForElements(candidates), stream, decode);
        _select.Compact(_candBoxes, _candScores, _candGroups, _candFlags, candidates, _denseBoxes, _denseScores, _denseGroups, _denseCount, stream);
        _nms.Enqueue(_denseBoxes, _denseScores, _denseGroups, _denseCount, NmsThreshold, _keep, _keepCount, null, stream);
        _select.Gather(_denseBoxes, _denseScores, null, _keep, _keepCount, PostNmsTopK, outBoxes, outLogits, null, stream);
        outCount.CopyFrom(_keepCount, 4, stream);
    }

    /// <summary>Frees the scratch and the NMS op, in reverse order of creation.</summary>
    public void Dispose()
    {
        _nms.Dispose();
        for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
    }
}
