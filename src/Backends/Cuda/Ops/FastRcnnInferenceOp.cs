using System.Globalization;
using Detserve.Backends.Cpu;

namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// Detectron2's box-head inference for one image on the GPU (fast_rcnn_inference_single_image): softmax, per-class
/// decode and clip, score threshold (fast_rcnn.cu), order-preserving compaction (select.cu), class-wise batched NMS
/// (nms.cu) and the first DETECTIONS_PER_IMAGE (topk.cu, select.cu); counts stay on the device. Owns its scratch;
/// borrows the library.
/// </summary>
public sealed class FastRcnnInferenceOp : IDisposable
{
    private readonly BatchedNmsOp _nms;
    private readonly CandidateSelection _select;
    private readonly CudaKernel _candidates;
    private readonly List<DeviceBuffer> _owned = [];
    private readonly DeviceBuffer _candBoxes, _candScores, _candGroups, _candFlags, _denseBoxes, _denseScores, _denseGroups, _denseCount, _keep;

    /// <summary>Plans the stage for up to <paramref name="maxRows"/> proposals (at most 1024) and <paramref name="numClasses"/> classes.</summary>
    public FastRcnnInferenceOp(KernelLibrary library, int maxRows, int numClasses, IReadOnlyList<float> boxRegWeights,
        float scoreThreshold, double nmsThreshold, int detectionsPerImage)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(boxRegWeights);
        const string op = "FastRcnnInference";
        DeviceShape.Positive(op, nameof(numClasses), numClasses);
        DeviceShape.Positive(op, nameof(detectionsPerImage), detectionsPerImage);
        DeviceShape.Length(op, nameof(boxRegWeights), 4, boxRegWeights.Count);
        if (maxRows is < 1 or > BatchedNmsOp.MaxGroupSizeLimit)
            throw new ShapeException(op, nameof(maxRows), $"1..{BatchedNmsOp.MaxGroupSizeLimit}", maxRows.ToString(CultureInfo.InvariantCulture));
        MaxRows = maxRows;
        NumClasses = numClasses;
        Weights = boxRegWeights.ToArray();
        ScoreThreshold = scoreThreshold;
        NmsThreshold = nmsThreshold;
        DetectionsPerImage = detectionsPerImage;
        int candidates = checked(maxRows * numClasses);
        _select = new CandidateSelection(library);
        _candidates = library.Get("fast_rcnn.cu", "fast_rcnn_candidates");
        // One proposal gives at most one candidate per class, so a class group never holds more than maxRows.
        _nms = new BatchedNmsOp(library, candidates, numClasses, maxRows, detectionsPerImage);
        var device = library.Device;
        DeviceBuffer Alloc(long bytes)
        {
            var b = device.Allocate(bytes);
            _owned.Add(b);
            return b;
        }
        _candBoxes = Alloc(candidates * 16L);
        _candScores = Alloc(candidates * 4L);
        _candGroups = Alloc(candidates * 4L);
        _candFlags = Alloc(candidates * 4L);
        _denseBoxes = Alloc(candidates * 16L);
        _denseScores = Alloc(candidates * 4L);
        _denseGroups = Alloc(candidates * 4L);
        _denseCount = Alloc(4);
        _keep = Alloc(detectionsPerImage * 4L);
    }

    /// <summary>Most proposals per call.</summary>
    public int MaxRows { get; }

    /// <summary>Foreground classes (the logits have one more column, background last).</summary>
    public int NumClasses { get; }

    /// <summary>MODEL.ROI_BOX_HEAD.BBOX_REG_WEIGHTS.</summary>
    public IReadOnlyList<float> Weights { get; }

    /// <summary>MODEL.ROI_HEADS.SCORE_THRESH_TEST (strict).</summary>
    public float ScoreThreshold { get; }

    /// <summary>MODEL.ROI_HEADS.NMS_THRESH_TEST.</summary>
    public double NmsThreshold { get; }

    /// <summary>TEST.DETECTIONS_PER_IMAGE.</summary>
    public int DetectionsPerImage { get; }

    /// <summary>
    /// Detections (boxes [DetectionsPerImage, 4] in resized-image pixels, scores, 0-based classes; slots after
    /// *outCount zeroed, class −1) from the box head's outputs for the first *rowCount rows of clsLogits
    /// [MaxRows, NumClasses + 1], boxDeltas [MaxRows, 4 · NumClasses] and proposals [MaxRows, 4].
    /// </summary>
    public void Enqueue(DeviceBuffer clsLogits, DeviceBuffer boxDeltas, DeviceBuffer proposals, DeviceBuffer rowCount, int imageHeight, int imageWidth,
        DeviceBuffer outBoxes, DeviceBuffer outScores, DeviceBuffer outClasses, DeviceBuffer outCount, CudaStream stream)
    {
        const string op = "FastRcnnInference";
        DeviceShape.Holds(op, nameof(clsLogits), clsLogits, (long)MaxRows * (NumClasses + 1), 4);
        DeviceShape.Holds(op, nameof(boxDeltas), boxDeltas, (long)MaxRows * NumClasses * 4, 4);
        DeviceShape.Holds(op, nameof(proposals), proposals, MaxRows * 4L, 4);
        DeviceShape.Holds(op, nameof(rowCount), rowCount, 1, 4);
        DeviceShape.Holds(op, nameof(outBoxes), outBoxes, DetectionsPerImage * 4L, 4);
        DeviceShape.Holds(op, nameof(outScores), outScores, DetectionsPerImage, 4);
        DeviceShape.Holds(op, nameof(outClasses), outClasses, DetectionsPerImage, 4);
        DeviceShape.Holds(op, nameof(outCount), outCount, 1, 4);
        int candidates = MaxRows * NumClasses;
        var args = new KernelArguments()
            .Add(clsLogits).Add(boxDeltas).Add(proposals).Add(rowCount).Add(MaxRows).Add(NumClasses)
            .Add(Weights[0]).Add(Weights[1]).Add(Weights[2]).Add(Weights[3]).Add(Box2BoxTransform.DefaultScaleClamp)
            .Add((float)imageHeight).Add((float)imageWidth).Add(ScoreThreshold)
            .Add(_candBoxes).Add(_candScores).Add(_candGroups).Add(_candFlags);
        _candidates.Launch(LaunchGeometry.ForElements(candidates), stream, args);
        _select.Compact(_candBoxes, _candScores, _candGroups, _candFlags, candidates, _denseBoxes, _denseScores, _denseGroups, _denseCount, stream);
        _nms.Enqueue(_denseBoxes, _denseScores, _denseGroups, _denseCount, NmsThreshold, _keep, outCount, null, stream);
        _select.Gather(_denseBoxes, _denseScores, _denseGroups, _keep, outCount, DetectionsPerImage, outBoxes, outScores, outClasses, stream);
    }

    /// <summary>Frees the scratch and the NMS op.</summary>
    public void Dispose()
    {
        _nms.Dispose();
        for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
    }
}
