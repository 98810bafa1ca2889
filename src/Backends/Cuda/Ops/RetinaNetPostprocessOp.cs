using System.Globalization;
using Detserve.Backends.Cpu;

namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// Detectron2's RetinaNet inference after the head (retinanet.py inference_single_image) for a batch of images on the GPU with no
/// host synchronisation: sigmoid of every class logit (retinanet.cu), per image and level the top TOPK_CANDIDATES_TEST scores
/// (topk.cu) of which those above SCORE_THRESH_TEST are decoded against their anchors (retinanet.cu), per image and class its
/// best candidates (at most the NMS group bound, topk.cu), order-preserving compaction (select.cu), batched_nms by class
/// (nms.cu) and the first DETECTIONS_PER_IMAGE (select.cu). Planned for fixed level shapes and batch; owns its scratch and its
/// per-image NMS ops; borrows the library.
/// </summary>
public sealed class RetinaNetPostprocessOp : IDisposable
{
    private readonly CudaKernel _sigmoid, _decode, _classRows, _classSelect;
    private readonly TopKOp _levelTopK, _classTopK;
    private readonly CandidateSelection _select;
    private readonly BatchedNmsOp[] _nms;
    private readonly List<DeviceBuffer> _owned = [];
    private readonly DeviceBuffer _levelOffsets, _levelPlanes, _rowOffsets, _rowCounts, _classRowOffsets, _classRowCounts;
    private readonly DeviceBuffer _topIndex, _topScore, _topCount;
    private readonly DeviceBuffer _candBoxes, _candScores, _candClasses, _candFlags, _classRowsBuffer;
    private readonly DeviceBuffer _classIndex, _classScore, _classCount;
    private readonly DeviceBuffer _selBoxes, _selScores, _selGroups, _selFlags;
    private readonly DeviceBuffer _denseBoxes, _denseScores, _denseGroups, _denseCount, _keep, _keepCount;
    private readonly float[] _weights;

    /// <summary>Plans the stage.</summary>
    /// <param name="library">kernels (borrowed).</param>
    /// <param name="batch">images per call.</param>
    /// <param name="levelPlanes">H * W of each level, in the order the logits and deltas are concatenated.</param>
    /// <param name="anchorsPerCell">A (the same on every level).</param>
    /// <param name="numClasses">K (MODEL.RETINANET.NUM_CLASSES).</param>
    /// <param name="topkCandidates">MODEL.RETINANET.TOPK_CANDIDATES_TEST.</param>
    /// <param name="scoreThresh">MODEL.RETINANET.SCORE_THRESH_TEST.</param>
    /// <param name="nmsThresh">MODEL.RETINANET.NMS_THRESH_TEST.</param>
    /// <param name="weights">MODEL.RETINANET.BBOX_REG_WEIGHTS.</param>
    /// <param name="detectionsPerImage">TEST.DETECTIONS_PER_IMAGE.</param>
    public RetinaNetPostprocessOp(KernelLibrary library, int batch, IReadOnlyList<long> levelPlanes, int anchorsPerCell, int numClasses,
        int topkCandidates, double scoreThresh, double nmsThresh, IReadOnlyList<float> weights, int detectionsPerImage)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(levelPlanes);
        ArgumentNullException.ThrowIfNull(weights);
        const string op = "RetinaNetPostprocess";
        DeviceShape.Positive(op, nameof(batch), batch);
        DeviceShape.Positive(op, "levels", levelPlanes.Count);
        DeviceShape.Positive(op, nameof(anchorsPerCell), anchorsPerCell);
        DeviceShape.Positive(op, nameof(numClasses), numClasses);
        DeviceShape.Positive(op, nameof(detectionsPerImage), detectionsPerImage);
        DeviceShape.Length(op, nameof(weights), 4, weights.Count);
        if (topkCandidates is < 1 or > TopKOp.MaxK)
            throw new ShapeException(op, nameof(topkCandidates), $"1..{TopKOp.MaxK}", topkCandidates.ToString(CultureInfo.InvariantCulture));
        if (detectionsPerImage > TopKOp.MaxK)
            throw new ShapeException(op, nameof(detectionsPerImage), $"1..{TopKOp.MaxK}", detectionsPerImage.ToString(CultureInfo.InvariantCulture));
        Batch = batch;
        Levels = levelPlanes.Count;
        AnchorsPerCell = anchorsPerCell;
        NumClasses = numClasses;
        TopkCandidates = topkCandidates;
        ScoreThresh = scoreThresh;
        NmsThresh = nmsThresh;
        DetectionsPerImage = detectionsPerImage;
        _weights = weights.ToArray();
        var levelOffsets = new long[Levels];
        long anchors = 0;
        for (int l = 0; l < Levels; l++)
        {
            DeviceShape.Positive(op, $"levelPlanes[{l}]", levelPlanes[l]);
            levelOffsets[l] = anchors;
            anchors += levelPlanes[l] * anchorsPerCell;
        }
        AnchorsPerImage = anchors;
        PerImage = Levels * topkCandidates;
        GroupCapacity = RetinaNetPlanning.ClassGroupCapacity(PerImage);

        _sigmoid = library.Get("retinanet.cu", "retina_sigmoid");
        _decode = library.Get("retinanet.cu", "retina_decode_candidates");
        _classRows = library.Get("retinanet.cu", "retina_class_rows");
        _classSelect = library.Get("retinanet.cu", "retina_class_select");
        _levelTopK = new TopKOp(library, topkCandidates);
        _classTopK = new TopKOp(library, GroupCapacity);
        _select = new CandidateSelection(library);
        _nms = new BatchedNmsOp[batch];
        CudaDevice device = library.Device;
        try
        {
            int rows = batch * Levels, classRows = batch * numClasses;
            long slots = (long)batch * PerImage, selected = (long)classRows * GroupCapacity, perImageSelected = (long)numClasses * GroupCapacity;
            if (perImageSelected > int.MaxValue)
                throw new ShapeException(op, nameof(numClasses), $"numClasses * {GroupCapacity} <= {int.MaxValue}", numClasses.ToString(CultureInfo.InvariantCulture));
            _levelOffsets = Own(device.Allocate(Levels * 8L));
            _levelPlanes = Own(device.Allocate(Levels * 4L));
            _rowOffsets = Own(device.Allocate(rows * 8L));
            _rowCounts = Own(device.Allocate(rows * 4L));
            _classRowOffsets = Own(device.Allocate(classRows * 8L));
            _classRowCounts = Own(device.Allocate(classRows * 4L));
            _topIndex = Own(device.Allocate(slots * 4));
            _topScore = Own(device.Allocate(slots * 4));
            _topCount = Own(device.Allocate(rows * 4L));
            _candBoxes = Own(device.Allocate(slots * 16));
            _candScores = Own(device.Allocate(slots * 4));
            _candClasses = Own(device.Allocate(slots * 4));
            _candFlags = Own(device.Allocate(slots * 4));
            _classRowsBuffer = Own(device.Allocate(slots * numClasses * 4));
            _classIndex = Own(device.Allocate(selected * 4));
            _classScore = Own(device.Allocate(selected * 4));
            _classCount = Own(device.Allocate(classRows * 4L));
            _selBoxes = Own(device.Allocate(selected * 16));
            _selScores = Own(device.Allocate(selected * 4));
            _selGroups = Own(device.Allocate(selected * 4));
            _selFlags = Own(device.Allocate(selected * 4));
            _denseBoxes = Own(device.Allocate(selected * 16));
            _denseScores = Own(device.Allocate(selected * 4));
            _denseGroups = Own(device.Allocate(selected * 4));
            _denseCount = Own(device.Allocate(batch * 4L));
            _keep = Own(device.Allocate((long)batch * detectionsPerImage * 4));
            _keepCount = Own(device.Allocate(batch * 4L));
            for (int n = 0; n < batch; n++)
                _nms[n] = new BatchedNmsOp(library, (int)perImageSelected, numClasses, GroupCapacity, detectionsPerImage);

            // Row extents of the two top-k passes, fixed by the plan: level rows of each image's concatenated scores, class rows of
            // each image's candidates.
            var rowOffsets = new long[rows];
            var rowCounts = new int[rows];
            for (int n = 0; n < batch; n++)
                for (int l = 0; l < Levels; l++)
                {
                    rowOffsets[(n * Levels) + l] = (n * anchors * numClasses) + (levelOffsets[l] * numClasses);
                    rowCounts[(n * Levels) + l] = checked((int)(levelPlanes[l] * anchorsPerCell * numClasses));
                }
            var classOffsets = new long[classRows];
            var classCounts = new int[classRows];
            for (int r = 0; r < classRows; r++)
            {
                classOffsets[r] = (long)r * PerImage;
                classCounts[r] = PerImage;
            }
            using CudaStream stream = device.CreateStream();
            _levelOffsets.Upload<long>(levelOffsets, stream);
            _levelPlanes.Upload<int>(levelPlanes.Select(p => checked((int)p)).ToArray(), stream);
            _rowOffsets.Upload<long>(rowOffsets, stream);
            _rowCounts.Upload<int>(rowCounts, stream);
            _classRowOffsets.Upload<long>(classOffsets, stream);
            _classRowCounts.Upload<int>(classCounts, stream);
            stream.Synchronize();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private DeviceBuffer Own(DeviceBuffer buffer)
    {
        _owned.Add(buffer);
        return buffer;
    }

    public int Batch { get; }

    public int Levels { get; }

    public int AnchorsPerCell { get; }

    public int NumClasses { get; }

    public int TopkCandidates { get; }

    public double ScoreThresh { get; }

    public double NmsThresh { get; }

    public int DetectionsPerImage { get; }

    /// <summary>Anchors of one image over all levels (sum of H * W * A).</summary>
    public long AnchorsPerImage { get; }

    /// <summary>Candidate slots per image (levels x TOPK_CANDIDATES_TEST).</summary>
    public int PerImage { get; }

    /// <summary>Most candidates of one class that reach batched_nms per image (see <see cref="RetinaNetPlanning.ClassGroupCapacity"/>).</summary>
    public int GroupCapacity { get; }

    /// <summary>
    /// Queues the stage. <paramref name="logits"/>: [batch, AnchorsPerImage * K] float32, per image the levels' NCHW [A * K, H * W]
    /// logits concatenated (turned into sigmoid scores in place); <paramref name="deltas"/>: [batch, AnchorsPerImage * 4] likewise
    /// with [4 * A, H * W] per level; <paramref name="anchors"/>: [AnchorsPerImage, 4] in (level, y, x, anchor) order. Output per
    /// image n at n * DetectionsPerImage: boxes [4] (input-image pixels, unclipped), scores, classes (int32; −1 and zeros past the
    /// count), and outCounts[n].
    /// </summary>
    public void Enqueue(DeviceBuffer logits, DeviceBuffer deltas, DeviceBuffer anchors,
        DeviceBuffer outBoxes, DeviceBuffer outScores, DeviceBuffer outClasses, DeviceBuffer outCounts, CudaStream stream)
    {
        const string op = "RetinaNetPostprocess";
        long scoresTotal = Batch * AnchorsPerImage * NumClasses;
        long d = (long)Batch * DetectionsPerImage;
        DeviceShape.Holds(op, nameof(logits), logits, scoresTotal, 4);
        DeviceShape.Holds(op, nameof(deltas), deltas, Batch * AnchorsPerImage * 4, 4);
        DeviceShape.Holds(op, nameof(anchors), anchors, AnchorsPerImage * 4, 4);
        DeviceShape.Holds(op, nameof(outBoxes), outBoxes, d * 4, 4);
        DeviceShape.Holds(op, nameof(outScores), outScores, d, 4);
        DeviceShape.Holds(op, nameof(outClasses), outClasses, d, 4);
        DeviceShape.Holds(op, nameof(outCounts), outCounts, Batch, 4);

        _sigmoid.Launch(LaunchGeometry.ForElements(scoresTotal), stream, new KernelArguments().Add(logits).Add(scoresTotal));
        int rows = Batch * Levels;
        _levelTopK.Enqueue(logits, _rowOffsets, _rowCounts, rows, TopkCandidates, null, _topIndex, _topScore, _topCount, stream);
        long slots = (long)Batch * PerImage;
        var decode = new KernelArguments()
            .Add(deltas).Add(AnchorsPerImage * 4).Add(anchors).Add(_levelOffsets).Add(_levelPlanes)
            .Add(AnchorsPerCell).Add(NumClasses).Add(Levels).Add(TopkCandidates).Add(Batch)
            .Add(_topIndex).Add(_topScore).Add(_topCount)
            .Add(_weights[0]).Add(_weights[1]).Add(_weights[2]).Add(_weights[3]).Add(Box2BoxTransform.DefaultScaleClamp).Add(ScoreThresh)
            .Add(_candBoxes).Add(_candScores).Add(_candClasses).Add(_candFlags);
        _decode.Launch(LaunchGeometry.ForElements(slots), stream, decode);
        var classRowsArgs = new KernelArguments().Add(_candScores).Add(_candClasses).Add(_candFlags).Add(PerImage).Add(NumClasses).Add(Batch)
            .Add(_classRowsBuffer);
        _classRows.Launch(LaunchGeometry.ForElements(slots * NumClasses), stream, classRowsArgs);
        int classRowCount = Batch * NumClasses;
        _classTopK.Enqueue(_classRowsBuffer, _classRowOffsets, _classRowCounts, classRowCount, GroupCapacity, null, _classIndex, _classScore,
            _classCount, stream);
        long selected = (long)classRowCount * GroupCapacity;
        var selectArgs = new KernelArguments().Add(_candBoxes).Add(_classIndex).Add(_classScore).Add(_classCount)
            .Add(PerImage).Add(NumClasses).Add(GroupCapacity).Add(Batch)
            .Add(_selBoxes).Add(_selScores).Add(_selGroups).Add(_selFlags);
        _classSelect.Launch(LaunchGeometry.ForElements(selected), stream, selectArgs);

        int perImageSelected = NumClasses * GroupCapacity;
        for (int n = 0; n < Batch; n++)
        {
            long s = (long)n * perImageSelected;
            DeviceBuffer boxes = _denseBoxes.Slice(s * 16, perImageSelected * 16L), scores = _denseScores.Slice(s * 4, perImageSelected * 4L);
            DeviceBuffer groups = _denseGroups.Slice(s * 4, perImageSelected * 4L), count = _denseCount.Slice(n * 4L, 4);
            DeviceBuffer keep = _keep.Slice((long)n * DetectionsPerImage * 4, DetectionsPerImage * 4L), keepCount = _keepCount.Slice(n * 4L, 4);
            _select.Compact(_selBoxes.Slice(s * 16, perImageSelected * 16L), _selScores.Slice(s * 4, perImageSelected * 4L),
                _selGroups.Slice(s * 4, perImageSelected * 4L), _selFlags.Slice(s * 4, perImageSelected * 4L), perImageSelected,
                boxes, scores, groups, count, stream);
            _nms[n].Enqueue(boxes, scores, groups, count, NmsThresh, keep, keepCount, null, stream);
            long o = (long)n * DetectionsPerImage;
            _select.Gather(boxes, scores, groups, keep, keepCount, DetectionsPerImage, outBoxes.Slice(o * 16, DetectionsPerImage * 16L),
                outScores.Slice(o * 4, DetectionsPerImage * 4L), outClasses.Slice(o * 4, DetectionsPerImage * 4L), stream);
        }
        outCounts.CopyFrom(_keepCount, Batch * 4L, stream);
    }

    /// <summary>Candidates NMS dropped because a class exceeded its group capacity, over all images so far (synchronises; tests).</summary>
    public int ReadNmsOverflow(CudaStream stream) => _nms.Where(n => n is not null).Sum(n => n.ReadOverflow(stream));

    /// <summary>Frees the NMS ops and the scratch, in reverse order of creation.</summary>
    public void Dispose()
    {
        for (int n = _nms.Length - 1; n >= 0; n--) _nms[n]?.Dispose();
        for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        _owned.Clear();
    }
}
