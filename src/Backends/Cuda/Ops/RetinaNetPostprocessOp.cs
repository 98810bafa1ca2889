using System.Globalization;
using Detserve.Backends.Cpu;

namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// Detectron2's RetinaNet inference after the head (retinanet.py inference_single_image) for a batch of images on the GPU with no
/// host synchronisation: per image and level the sigmoid scores above SCORE_THRESH_TEST and their top TOPK_CANDIDATES_TEST
/// (<see cref="RetinaNetLevelTopKOp"/>, a multi-block radix select), decoded against their anchors (retinanet.cu), per image and
/// class its best candidates (at most the NMS group bound, topk.cu) scattered into one dense list per image (retinanet.cu),
/// batched_nms by class (nms.cu) and the first DETECTIONS_PER_IMAGE (select.cu); image n &gt; 0 runs its NMS on side stream
/// n - 1 (parallel branches in a captured graph). Planned for fixed level shapes and batch; owns its scratch, its level top-k,
/// its per-image NMS ops, streams and events; borrows the library.
/// </summary>
public sealed class RetinaNetPostprocessOp : IDisposable
{
    private readonly CudaKernel _decode, _classRows, _classOffsets, _classScatter;
    private readonly RetinaNetLevelTopKOp _levelTopK;
    private readonly TopKOp _classTopK;
    private readonly CandidateSelection _select;
    private readonly BatchedNmsOp[] _nms;
    private readonly List<DeviceBuffer> _owned = [];
    private readonly DeviceBuffer _levelOffsets, _levelPlanes, _classRowOffsets, _classRowCounts;
    private readonly DeviceBuffer _topIndex, _topScore, _topCount;
    private readonly DeviceBuffer _candBoxes, _candScores, _candClasses, _candFlags, _classRowsBuffer;
    private readonly DeviceBuffer _classIndex, _classScore, _classCount, _classOffset;
    private readonly DeviceBuffer _denseBoxes, _denseScores, _denseGroups, _denseCount, _keep, _keepCount;
    private readonly CudaStream[] _sideStreams;
    private readonly CudaEvent[] _joins;
    private readonly CudaEvent? _fork;
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

        _decode = library.Get("retinanet.cu", "retina_decode_candidates");
        _classRows = library.Get("retinanet.cu", "retina_class_rows");
        _classOffsets = library.Get("retinanet.cu", "retina_class_offsets");
        _classScatter = library.Get("retinanet.cu", "retina_class_scatter");
        _classTopK = new TopKOp(library, GroupCapacity);
        _select = new CandidateSelection(library);
        _nms = new BatchedNmsOp[batch];
        _sideStreams = new CudaStream[batch - 1];
        _joins = new CudaEvent[batch - 1];
        CudaDevice device = library.Device;
        try
        {
            _levelTopK = new RetinaNetLevelTopKOp(library, batch, levelPlanes, anchorsPerCell, numClasses, topkCandidates, scoreThresh);
            int rows = batch * Levels, classRows = batch * numClasses;
            long slots = (long)batch * PerImage, selected = (long)classRows * GroupCapacity;
            _levelOffsets = Own(device.Allocate(Levels * 8L));
            _levelPlanes = Own(device.Allocate(Levels * 4L));
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
            _classOffset = Own(device.Allocate(classRows * 4L));
            // One dense list per image: at most every candidate of the image (each is in one class).
            _denseBoxes = Own(device.Allocate(slots * 16));
            _denseScores = Own(device.Allocate(slots * 4));
            _denseGroups = Own(device.Allocate(slots * 4));
            _denseCount = Own(device.Allocate(batch * 4L));
            _keep = Own(device.Allocate((long)batch * detectionsPerImage * 4));
            _keepCount = Own(device.Allocate(batch * 4L));
            for (int n = 0; n < batch; n++)
                _nms[n] = new BatchedNmsOp(library, PerImage, numClasses, GroupCapacity, detectionsPerImage);
            if (batch > 1)
            {
                _fork = device.CreateEvent(timing: false);
                for (int n = 0; n < batch - 1; n++)
                {
                    _sideStreams[n] = device.CreateStream();
                    _joins[n] = device.CreateEvent(timing: false);
                }
            }

            // Class rows of each image's candidates, fixed by the plan.
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
    /// count), and outCounts[n]. <paramref name="mark"/> (event timing; null in graph capture) is called after each part:
    /// "level_topk", "decode", "class_topk", "nms".
    /// </summary>
    public void Enqueue(DeviceBuffer logits, DeviceBuffer deltas, DeviceBuffer anchors,
        DeviceBuffer outBoxes, DeviceBuffer outScores, DeviceBuffer outClasses, DeviceBuffer outCounts, CudaStream stream,
        Action<string>? mark = null)
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
        ArgumentNullException.ThrowIfNull(stream);

        _levelTopK.Enqueue(logits, _topIndex, _topScore, _topCount, stream);
        mark?.Invoke("level_topk");
        long slots = (long)Batch * PerImage;
        var decode = new KernelArguments()
            .Add(deltas).Add(AnchorsPerImage * 4).Add(anchors).Add(_levelOffsets).Add(_levelPlanes)
            .Add(AnchorsPerCell).Add(NumClasses).Add(Levels).Add(TopkCandidates).Add(Batch)
            .Add(_topIndex).Add(_topScore).Add(_topCount)
            .Add(_weights[0]).Add(_weights[1]).Add(_weights[2]).Add(_weights[3]).Add(Box2BoxTransform.DefaultScaleClamp).Add(ScoreThresh)
            .Add(_candBoxes).Add(_candScores).Add(_candClasses).Add(_candFlags);
        _decode.Launch(LaunchGeometry.ForElements(slots), stream, decode);
        mark?.Invoke("decode");

        var classRowsArgs = new KernelArguments().Add(_candScores).Add(_candClasses).Add(_candFlags).Add(PerImage).Add(NumClasses).Add(Batch)
            .Add(_classRowsBuffer);
        _classRows.Launch(LaunchGeometry.ForElements(slots * NumClasses), stream, classRowsArgs);
        int classRowCount = Batch * NumClasses;
        _classTopK.Enqueue(_classRowsBuffer, _classRowOffsets, _classRowCounts, classRowCount, GroupCapacity, null, _classIndex, _classScore,
            _classCount, stream);
        var offsetArgs = new KernelArguments().Add(_classScore).Add(_classCount).Add(NumClasses).Add(GroupCapacity).Add(_classOffset).Add(_denseCount);
        _classOffsets.Launch(LaunchGeometry.OneBlockPer(Batch, Math.Min(1024, Math.Max(32, (NumClasses + 31) / 32 * 32))), stream, offsetArgs);
        var scatterArgs = new KernelArguments().Add(_candBoxes).Add(_classIndex).Add(_classScore).Add(_classCount).Add(_classOffset)
            .Add(PerImage).Add(NumClasses).Add(GroupCapacity).Add(Batch)
            .Add(_denseBoxes).Add(_denseScores).Add(_denseGroups);
        _classScatter.Launch(LaunchGeometry.ForElements((long)classRowCount * GroupCapacity), stream, scatterArgs);
        mark?.Invoke("class_topk");

        // batched_nms and the first DETECTIONS_PER_IMAGE, image n > 0 on side stream n - 1 (few blocks each, so the images overlap).
        if (_fork is not null)
        {
            _fork.Record(stream);
            foreach (CudaStream side in _sideStreams) side.Wait(_fork);
        }
        for (int n = 0; n < Batch; n++)
        {
            CudaStream s = n == 0 ? stream : _sideStreams[n - 1];
            long o = (long)n * PerImage;
            DeviceBuffer boxes = _denseBoxes.Slice(o * 16, PerImage * 16L), scores = _denseScores.Slice(o * 4, PerImage * 4L);
            DeviceBuffer groups = _denseGroups.Slice(o * 4, PerImage * 4L), count = _denseCount.Slice(n * 4L, 4);
            DeviceBuffer keep = _keep.Slice((long)n * DetectionsPerImage * 4, DetectionsPerImage * 4L), keepCount = _keepCount.Slice(n * 4L, 4);
            _nms[n].Enqueue(boxes, scores, groups, count, NmsThresh, keep, keepCount, null, s);
            long r = (long)n * DetectionsPerImage;
            _select.Gather(boxes, scores, groups, keep, keepCount, DetectionsPerImage, outBoxes.Slice(r * 16, DetectionsPerImage * 16L),
                outScores.Slice(r * 4, DetectionsPerImage * 4L), outClasses.Slice(r * 4, DetectionsPerImage * 4L), s);
        }
        for (int n = 0; n < _sideStreams.Length; n++)
        {
            _joins[n].Record(_sideStreams[n]);
            stream.Wait(_joins[n]);
        }
        outCounts.CopyFrom(_keepCount, Batch * 4L, stream);
        mark?.Invoke("nms");
    }

    /// <summary>Candidates NMS dropped because a class exceeded its group capacity, over all images so far (synchronises; tests).</summary>
    public int ReadNmsOverflow(CudaStream stream) => _nms.Where(n => n is not null).Sum(n => n.ReadOverflow(stream));

    /// <summary>Frees the events, streams, NMS ops, scratch and the level top-k, in reverse order of creation.</summary>
    public void Dispose()
    {
        for (int n = _joins.Length - 1; n >= 0; n--)
        {
            _joins[n]?.Dispose();
            _sideStreams[n]?.Dispose();
        }
        _fork?.Dispose();
        for (int n = _nms.Length - 1; n >= 0; n--) _nms[n]?.Dispose();
        for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        _owned.Clear();
        _levelTopK?.Dispose();
    }
}
