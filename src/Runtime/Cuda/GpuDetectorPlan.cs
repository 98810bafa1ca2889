using System.Numerics;
using Detserve.Backends.Cpu;
using Detserve.Backends.Cuda;
using Detserve.Backends.Cuda.Dnn;
using Detserve.Backends.Cuda.Ops;
using Detserve.Graph;
using Detserve.Graph.Spec;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// GeneralizedRCNN (detectron2/modeling/meta_arch/rcnn.py inference) on the GPU for one (batch, padded height, padded width):
/// preprocess from uint8 images on the device, backbone + FPN + RPN head (dense graph), find_top_rpn_proposals per image
/// (RpnProposalsOp), ROIAlign + box head on batch x POST_NMS_TOPK_TEST fixed-capacity rows, fast_rcnn_inference per image
/// (FastRcnnInferenceOp), ROIAlign + mask head on batch x DETECTIONS_PER_IMAGE rows, mask_rcnn_inference's class gather + sigmoid,
/// and optionally detector_postprocess's box rescale + paste_masks_in_image. Counts stay on the device, so a run enqueues no host
/// synchronisation and is captured once per set of image sizes as a CUDA graph (bounded cache) and replayed. The per-image stages
/// (proposals, box inference, paste) are latency-bound kernels in few blocks, so image n > 0 runs them on its own side stream
/// (fork/join with events, which graph capture turns into parallel branches) with its own op and scratch.
/// Owns its runners, ops, arenas and graphs; borrows the context and the weights.
/// </summary>
internal sealed class GpuDetectorPlan : IGpuPlan
{
    private const int GraphCacheCapacity = 8;

    private readonly GpuContext _gpu;
    private readonly ModelGraph _model;
    private readonly RoiHeadsSpec _roi;
    private readonly RpnSpec _rpnSpec;
    private readonly GpuNetworkRunner _dense, _box;
    private readonly GpuNetworkRunner? _mask;
    private readonly GpuNetworkWeights? _boxWeights32, _maskWeights32;
    private readonly bool _boxHalf, _maskHalf, _rpnFloat;
    private readonly RpnHeadOutputsOp? _rpnHead;
    private readonly DeviceBuffer? _rpnHeadWeights;
    private readonly long[] _rpnHeadWeightOffsets = [], _rpnHeadBiasOffsets = [];
    private readonly RpnProposalsOp[] _rpn;
    private readonly FastRcnnInferenceOp[] _boxInference;
    private readonly CudaStream[] _sideStreams;
    private readonly CudaEvent _fork;
    private readonly CudaEvent[] _joins;
    private readonly DeviceArena _arena = new();
    private readonly DeviceBuffer _denseArena, _boxArena;
    private readonly DeviceBuffer? _maskArena;
    private readonly NormalizeParams _normalize;
    private readonly long[] _levelAnchorOffsets;
    private readonly (int A, int H, int W)[] _rpnLevels;
    private readonly int[] _roiStrides;
    private readonly BoundedCache<string, CudaGraphExec> _graphs = new(GraphCacheCapacity);
    private readonly int _images, _preFloat, _rpnObj, _rpnDel, _anchors, _proposals, _proposalLogits, _proposalCounts, _boxRois,
        _clsFloat, _delFloat, _detBoxes, _detScores, _detClasses, _detCounts, _maskRois,
        _maskProbs, _pasteBoxes, _workspace;
    private DeviceBuffer? _pasteOutput;

    public GpuDetectorPlan(GpuContext gpu, ModelGraph model, GpuModelGraphs graphs, GpuPrecision precision, int batch, int paddedHeight, int paddedWidth,
        bool measureAlgorithms = false)
    {
        _gpu = gpu;
        _model = model;
        _roi = model.Architecture.RoiHeads!;
        _rpnSpec = model.Architecture.Rpn!;
        Batch = batch;
        PaddedHeight = paddedHeight;
        PaddedWidth = paddedWidth;
        Precision = precision;
        bool half = precision == GpuPrecision.Fp16;
        // FP16 plans may keep the heads in float32 (GpuPrecisionStages; own float32 NCHW weights, ROIAlign writes float32 NCHW).
        Stages = half ? GpuPrecisionStagesName.FromEnvironment() : GpuPrecisionStages.None;
        _boxHalf = half && !Stages.HasFlag(GpuPrecisionStages.BoxHead);
        _maskHalf = half && !Stages.HasFlag(GpuPrecisionStages.MaskHead);
        bool tf32 = Stages.HasFlag(GpuPrecisionStages.Tf32Gemm);
        // Float32 RPN outputs: the dense runner leaves the two 1x1 convs per level to RpnHeadOutputsOp (see rpn_head_outputs.cu).
        _rpnFloat = Stages.HasFlag(GpuPrecisionStages.RpnOutputs);
        HashSet<string>? rpnFloat = _rpnFloat
            ? model.Architecture.Rpn!.InFeatures.SelectMany(f => new[] { "rpn_objectness_" + f, "rpn_deltas_" + f }).ToHashSet()
            : null;
        bool predFloat = Stages.HasFlag(GpuPrecisionStages.PredictorOutputs);
        InputSpec input = model.Architecture.Input;
        _normalize = new NormalizeParams(input.Format == "BGR" ? [2, 1, 0] : [0, 1, 2],
            input.PixelMean.Select(v => (float)v).ToArray(), input.PixelStd.Select(v => (float)v).ToArray());
        PostNmsTopK = _rpnSpec.PostNmsTopKTest;
        DetectionsPerImage = _roi.DetectionsPerImage;
        var owned = new Stack<IDisposable>();
        try
        {
            _dense = Own(owned, new GpuNetworkRunner(gpu, graphs.Dense, graphs.DenseWeights, batch, paddedHeight, paddedWidth, precision, graphs.Layout, measureAlgorithms,
                callerOutputs: rpnFloat));
            if (half && !_boxHalf)
            {
                _boxWeights32 = Own(owned, new GpuNetworkWeights(gpu, graphs.BoxHead, false, TensorLayout.Nchw));
                _box = Own(owned, new GpuNetworkRunner(gpu, graphs.BoxHead, _boxWeights32, batch * PostNmsTopK, 0, 0, GpuPrecision.Fp32, TensorLayout.Nchw,
                    measureAlgorithms, tf32));
            }
            else
            {
                _box = Own(owned, new GpuNetworkRunner(gpu, graphs.BoxHead, graphs.BoxWeights, batch * PostNmsTopK, 0, 0, precision, graphs.Layout, measureAlgorithms,
                    floatOutputs: _boxHalf && predFloat ? new HashSet<string> { "cls_logits", "box_deltas" } : null));
            }
            if (graphs.MaskHead is not null && half && !_maskHalf)
            {
                _maskWeights32 = Own(owned, new GpuNetworkWeights(gpu, graphs.MaskHead, false, TensorLayout.Nchw));
                _mask = Own(owned, new GpuNetworkRunner(gpu, graphs.MaskHead, _maskWeights32, batch * DetectionsPerImage, 0, 0, GpuPrecision.Fp32, TensorLayout.Nchw,
                    measureAlgorithms, tf32));
            }
            else if (graphs.MaskHead is not null)
            {
                _mask = Own(owned, new GpuNetworkRunner(gpu, graphs.MaskHead, graphs.MaskWeights!, batch * DetectionsPerImage, 0, 0, precision, graphs.Layout, measureAlgorithms,
                    floatOutputs: _maskHalf && predFloat ? new HashSet<string> { "mask_logits" } : null));
            }

            // RPN levels as the dense graph produces them, and the anchors of each (DefaultAnchorGenerator, once per shape).
            AnchorSpec anchorSpec = model.Architecture.Anchors;
            _rpnLevels = _rpnSpec.InFeatures.Select(f => _dense.Shape("rpn_objectness_" + f)).ToArray();
            int anchorsPerCell = _rpnLevels[0].A;
            if (_rpnLevels.Any(l => l.A != anchorsPerCell))
                throw new NotSupportedException("RPN levels with different anchor counts per cell are not supported on CUDA");
            _levelAnchorOffsets = DeviceLevelAnchors.Offsets(_rpnLevels.Select(r => (r.H, r.W)).ToArray(), anchorsPerCell, out long totalAnchors);
            _rpn = new RpnProposalsOp[batch];
            _boxInference = new FastRcnnInferenceOp[batch];
            for (int n = 0; n < batch; n++)
            {
                _rpn[n] = Own(owned, new RpnProposalsOp(gpu.Kernels, _rpnLevels.Select(l => (l.H, l.W)).ToArray(), anchorsPerCell,
                    _rpnSpec.PreNmsTopKTest, PostNmsTopK, _rpnSpec.NmsThresh, (float)_rpnSpec.MinSize));
                _boxInference[n] = Own(owned, new FastRcnnInferenceOp(gpu.Kernels, PostNmsTopK, _roi.NumClasses,
                    _roi.BoxHead.BboxRegWeights.Select(w => (float)w).ToArray(), (float)_roi.ScoreThreshTest, _roi.NmsThreshTest, DetectionsPerImage));
            }
            if (_rpnFloat)
            {
                _rpnHead = new RpnHeadOutputsOp(gpu.Kernels);
                (_rpnHeadWeights, _rpnHeadWeightOffsets, _rpnHeadBiasOffsets) = UploadRpnHeadWeights(gpu, graphs.Dense, _rpnSpec.InFeatures);
                owned.Push(_rpnHeadWeights);
            }
            _fork = Own(owned, gpu.Device.CreateEvent(timing: false));
            _sideStreams = new CudaStream[batch - 1];
            _joins = new CudaEvent[batch - 1];
            for (int n = 0; n < batch - 1; n++)
            {
                _sideStreams[n] = Own(owned, gpu.Device.CreateStream());
                _joins[n] = Own(owned, gpu.Device.CreateEvent(timing: false));
            }

            _roiStrides = _roi.InFeatures.Select(model.StrideOf).ToArray();
            int channels = _dense.Shape(_roi.InFeatures[0]).C;
            int boxRes = _roi.BoxHead.PoolerResolution;
            long boxRows = (long)batch * PostNmsTopK, detRows = (long)batch * DetectionsPerImage;
            int classes = _roi.NumClasses;
            MaskResolution = _mask?.Shape("mask_logits").H ?? 0;
            MaskChannels = _mask?.Shape("mask_logits").C ?? 0;
            int maskRes = _roi.MaskHead?.PoolerResolution ?? 0;

            long plane = (long)paddedHeight * paddedWidth;
            _images = _arena.Declare(batch * plane * 3);
            _preFloat = _arena.Declare(half ? batch * 3 * plane * 4 : 0);
            _rpnObj = _arena.Declare(batch * totalAnchors * 4);
            _rpnDel = _arena.Declare(batch * totalAnchors * 16);
            _anchors = _arena.Declare(totalAnchors * 16);
            _proposals = _arena.Declare(boxRows * 16);
            _proposalLogits = _arena.Declare(boxRows * 4);
            _proposalCounts = _arena.Declare(batch * 4L);
            _boxRois = _arena.Declare(boxRows * 20);
            bool convertBoxOutputs = _boxHalf && !_box.IsFloatOutput("cls_logits");
            _clsFloat = _arena.Declare(convertBoxOutputs ? boxRows * (classes + 1) * 4 : 0);
            _delFloat = _arena.Declare(convertBoxOutputs ? boxRows * _box.Shape("box_deltas").C * 4 : 0);
            _detBoxes = _arena.Declare(detRows * 16);
            _detScores = _arena.Declare(detRows * 4);
            _detClasses = _arena.Declare(detRows * 4);
            _detCounts = _arena.Declare(batch * 4L);
            _maskRois = _arena.Declare(_mask is null ? 0 : detRows * 20);
            _maskProbs = _arena.Declare(detRows * MaskResolution * MaskResolution * 4);
            _pasteBoxes = _arena.Declare(detRows * 16);
            _workspace = _arena.Declare(Math.Max(_dense.WorkspaceBytes, Math.Max(_box.WorkspaceBytes, _mask?.WorkspaceBytes ?? 0)));
            _arena.Allocate(gpu.Device);
            owned.Push(_arena);

            _denseArena = Own(owned, gpu.Device.Allocate(_dense.ArenaBytes));
            _dense.Bind(_denseArena);
            _boxArena = Own(owned, gpu.Device.Allocate(_box.ArenaBytes));
            _box.Bind(_boxArena);
            if (_mask is not null)
            {
                _maskArena = Own(owned, gpu.Device.Allocate(_mask.ArenaBytes));
                _mask.Bind(_maskArena);
            }

            DeviceLevelAnchors.Fill(gpu, anchorSpec, _rpnSpec.InFeatures, _rpnLevels.Select(r => (r.H, r.W)).ToArray(), anchorsPerCell,
                _levelAnchorOffsets, _arena[_anchors]);
            TotalAnchors = totalAnchors;
        }
        catch
        {
            while (owned.Count > 0) owned.Pop().Dispose();
            throw;
        }
    }

    private static T Own<T>(Stack<IDisposable> owned, T item) where T : IDisposable
    {
        owned.Push(item);
        return item;
    }

    public int Batch { get; }

    public int PaddedHeight { get; }

    public int PaddedWidth { get; }

    public GpuPrecision Precision { get; }

    /// <summary>The stage groups this FP16 plan runs in float32 (<see cref="GpuPrecisionStages.None"/> for FP32 plans).</summary>
    public GpuPrecisionStages Stages { get; }

    public int PostNmsTopK { get; }

    public int DetectionsPerImage { get; }

    public int MaskResolution { get; }

    public int MaskChannels { get; }

    public long TotalAnchors { get; }

    /// <summary>Device bytes this plan holds (activation arenas, plan buffers, paste output when made; not the ops' own scratch).</summary>
    public long SizeBytes => _arena.SizeBytes + _denseArena.SizeBytes + _boxArena.SizeBytes + (_maskArena?.SizeBytes ?? 0) + (_pasteOutput?.SizeBytes ?? 0);

    /// <summary>uint8 image slot <paramref name="n"/> ([paddedHeight * paddedWidth * 3]; an image of h x w uses its first h * w * 3 bytes, HWC).</summary>
    public DeviceBuffer ImageSlot(int n) => _arena[_images].Slice((long)n * PaddedHeight * PaddedWidth * 3, (long)PaddedHeight * PaddedWidth * 3);

    public DeviceBuffer DetectionBoxes => _arena[_detBoxes];

    public DeviceBuffer DetectionScores => _arena[_detScores];

    public DeviceBuffer DetectionClasses => _arena[_detClasses];

    public DeviceBuffer DetectionCounts => _arena[_detCounts];

    public DeviceBuffer MaskProbabilities => _arena[_maskProbs];

    /// <summary>The pasted masks of the last run with paste sizes: per image n, DetectionsPerImage planes of its output size, uint8 0/1.</summary>
    public DeviceBuffer? PastedMasks => _pasteOutput;

    /// <summary>
    /// Queues the whole run for images of the given resized sizes (already in their slots); with <paramref name="pasteSizes"/> also
    /// rescales the boxes to those output sizes and pastes every detection's mask there. <paramref name="mark"/> is called after each
    /// stage, and with "dense/", "box/" or "mask/" + a node name after each node (event timing); null in graph capture.
    /// </summary>
    public void Enqueue(IReadOnlyList<(int Height, int Width)> sizes, IReadOnlyList<(int Height, int Width)>? pasteSizes, CudaStream stream, Action<string>? mark)
    {
        CheckSizes(sizes, pasteSizes);
        if (pasteSizes is not null) EnsurePasteOutput(pasteSizes);
        bool half = Precision == GpuPrecision.Fp16;
        DeviceBuffer ws = _arena[_workspace];
        DeviceBuffer? workspace = ws.SizeBytes > 0 ? ws : null;
        long plane = (long)PaddedHeight * PaddedWidth;

        // GeneralizedRCNN.preprocess_image + ImageList.from_tensors: normalise each image into its zero-padded slot.
        DeviceBuffer image = _dense.Input("image");
        DeviceBuffer pre = half ? _arena[_preFloat] : image;
        for (int n = 0; n < Batch; n++)
            _gpu.PreprocessFloat.Enqueue(ImageSlot(n), sizes[n].Height, sizes[n].Width, pre, n * 3 * plane * 4, PaddedHeight, PaddedWidth, _normalize, stream);
        if (half) _gpu.Convert.NchwFloatToNhwcHalf(pre, Batch, 3, plane, image, stream);
        mark?.Invoke("preprocess");

        _dense.Enqueue(workspace, stream, mark is null ? null : n => mark("dense/" + n));
        mark?.Invoke("backbone_fpn_rpn_head");

        // RPN head outputs -> per image, levels concatenated, float32 NCHW (what RpnProposalsOp reads), then find_top_rpn_proposals.
        for (int l = 0; l < _rpnLevels.Length; l++)
        {
            (int a, int h, int w) = _rpnLevels[l];
            string f = _rpnSpec.InFeatures[l];
            if (_rpnFloat)
            {
                (DeviceBuffer feature, (int C, int H, int W) fs) = _dense.InputOf("rpn_objectness_" + f);
                _rpnHead!.Enqueue(feature, Batch, (long)h * w, fs.C, _rpnHeadWeights!.Slice(_rpnHeadWeightOffsets[l], 5L * a * fs.C * 4),
                    _rpnHeadWeights.Slice(_rpnHeadBiasOffsets[l], 5L * a * 4), a, _arena[_rpnObj], TotalAnchors, _levelAnchorOffsets[l],
                    _arena[_rpnDel], 4 * TotalAnchors, 4 * _levelAnchorOffsets[l], stream);
                continue;
            }
            GatherLevel("rpn_objectness_" + f, a, h * w, _arena[_rpnObj], TotalAnchors, _levelAnchorOffsets[l], stream);
            GatherLevel("rpn_deltas_" + f, 4 * a, h * w, _arena[_rpnDel], 4 * TotalAnchors, 4 * _levelAnchorOffsets[l], stream);
        }
        long k = PostNmsTopK;
        ForEachImage(stream, (n, s) =>
            _rpn[n].Enqueue(_arena[_rpnObj].Slice(n * TotalAnchors * 4, TotalAnchors * 4), _arena[_rpnDel].Slice(n * TotalAnchors * 16, TotalAnchors * 16),
                _arena[_anchors], sizes[n].Height, sizes[n].Width,
                _arena[_proposals].Slice(n * k * 16, k * 16), _arena[_proposalLogits].Slice(n * k * 4, k * 4), _arena[_proposalCounts].Slice(n * 4L, 4), s));
        mark?.Invoke("rpn_proposals");

        // ROIPooler over the FPN levels (float32 NCHW; FP16 NHWC straight into the heads' NHWC inputs), then the box head on every
        // fixed-capacity proposal slot.
        var levels = new DeviceFeatureLevel[_roi.InFeatures.Count];
        for (int l = 0; l < levels.Length; l++)
        {
            var s = _dense.Shape(_roi.InFeatures[l]);
            levels[l] = new DeviceFeatureLevel(_dense.Output(_roi.InFeatures[l]), s.H, s.W, 1f / _roiStrides[l]);
        }
        int minLevel = BitOperations.Log2((uint)_roiStrides[0]);
        int boxRows = Batch * PostNmsTopK;
        BoxHeadSpec b = _roi.BoxHead;
        _gpu.RoiBatch.MakeRois(_arena[_proposals], PostNmsTopK, boxRows, _arena[_boxRois], stream);
        var boxShape = _box.Shape("box_features");
        RoiAlign(levels, boxShape.C, minLevel, _arena[_boxRois], boxRows, b.PoolerResolution, b.PoolerSamplingRatio, b.PoolerType,
            _box.Input("box_features"), _box.Half, stream);
        mark?.Invoke("box/roi_align");
        _box.Enqueue(workspace, stream, mark is null ? null : n => mark("box/" + n));
        DeviceBuffer cls = _box.Output("cls_logits"), del = _box.Output("box_deltas");
        int clsCols = _box.Shape("cls_logits").C, delCols = _box.Shape("box_deltas").C;
        if (_boxHalf && !_box.IsFloatOutput("cls_logits"))
        {
            _gpu.Convert.HalfToFloat(cls, (long)boxRows * clsCols, _arena[_clsFloat], stream);
            _gpu.Convert.HalfToFloat(del, (long)boxRows * delCols, _arena[_delFloat], stream);
            cls = _arena[_clsFloat];
            del = _arena[_delFloat];
        }
        mark?.Invoke("box_head");

        long d = DetectionsPerImage;
        ForEachImage(stream, (n, s) =>
            _boxInference[n].Enqueue(cls.Slice(n * k * clsCols * 4, k * clsCols * 4), del.Slice(n * k * delCols * 4, k * delCols * 4),
                _arena[_proposals].Slice(n * k * 16, k * 16), _arena[_proposalCounts].Slice(n * 4L, 4), sizes[n].Height, sizes[n].Width,
                _arena[_detBoxes].Slice(n * d * 16, d * 16), _arena[_detScores].Slice(n * d * 4, d * 4),
                _arena[_detClasses].Slice(n * d * 4, d * 4), _arena[_detCounts].Slice(n * 4L, 4), s));
        mark?.Invoke("box_inference");

        if (_mask is not null)
        {
            // mask_rcnn_inference: the mask head on the final boxes (resized coordinates), the predicted class's channel, sigmoid.
            MaskHeadSpec m = _roi.MaskHead!;
            int detRows = Batch * DetectionsPerImage;
            _gpu.RoiBatch.MakeRois(_arena[_detBoxes], DetectionsPerImage, detRows, _arena[_maskRois], stream);
            RoiAlign(levels, _mask.Shape("mask_features").C, minLevel, _arena[_maskRois], detRows, m.PoolerResolution, m.PoolerSamplingRatio,
                m.PoolerType, _mask.Input("mask_features"), _mask.Half, stream);
            mark?.Invoke("mask/roi_align");
            _mask.Enqueue(workspace, stream, mark is null ? null : n => mark("mask/" + n));
            DeviceBuffer logits = _mask.Output("mask_logits");
            if (_maskHalf && !_mask.IsFloatOutput("mask_logits")) _gpu.MaskSelect.EnqueueNhwcHalf(logits, _arena[_detClasses], detRows, MaskChannels, MaskResolution, _arena[_maskProbs], stream);
            else _gpu.MaskSelect.Enqueue(logits, _arena[_detClasses], detRows, MaskChannels, MaskResolution, _arena[_maskProbs], stream);
            mark?.Invoke("mask_head");
        }

        if (pasteSizes is not null && _mask is not null)
        {
            // detector_postprocess: boxes to the output size, then paste_masks_in_image for every slot (empty slots paste nothing).
            long m2 = (long)MaskResolution * MaskResolution;
            var offsets = new long[Batch];
            for (int n = 1; n < Batch; n++) offsets[n] = offsets[n - 1] + d * pasteSizes[n - 1].Height * pasteSizes[n - 1].Width;
            ForEachImage(stream, (n, s) =>
            {
                (int oh, int ow) = pasteSizes[n];
                float sx = (float)((double)ow / sizes[n].Width), sy = (float)((double)oh / sizes[n].Height);
                DeviceBuffer boxes = _arena[_pasteBoxes].Slice(n * d * 16, d * 16);
                _gpu.RoiBatch.RescaleBoxes(_arena[_detBoxes].Slice(n * d * 16, d * 16), DetectionsPerImage, sx, sy, oh, ow, boxes, s);
                _gpu.Paste.EnqueueRegions(_arena[_maskProbs].Slice(n * d * m2 * 4, d * m2 * 4), DetectionsPerImage, MaskResolution, boxes, oh, ow, 0.5f,
                    _pasteOutput!.Slice(offsets[n], d * oh * ow), s);
            });
            mark?.Invoke("paste_masks");
        }
    }

    /// <summary>
    /// Runs through a CUDA graph captured for these sizes (captured on first use, kept in a bounded cache).
    /// </summary>
    public void Launch(IReadOnlyList<(int Height, int Width)> sizes, IReadOnlyList<(int Height, int Width)>? pasteSizes, CudaStream stream)
    {
        CheckSizes(sizes, pasteSizes);
        if (pasteSizes is not null) EnsurePasteOutput(pasteSizes);
        string key = string.Join(";", sizes.Select(s => $"{s.Height}x{s.Width}")) + "|" +
            (pasteSizes is null ? "-" : string.Join(";", pasteSizes.Select(s => $"{s.Height}x{s.Width}")));
        CudaGraphExec graph = _graphs.GetOrAdd(key, _ => stream.Capture(s => Enqueue(sizes, pasteSizes, s, null),
            $"GeneralizedRCNN batch {Batch} {PaddedHeight}x{PaddedWidth} [{key}]"));
        graph.Launch(stream);
    }

    /// <summary>Graphs held now (for tests).</summary>
    public int CachedGraphs => _graphs.Count;

    /// <summary>
    /// ROIAlign into a head's input: float32 NCHW, or for FP16 NHWC half levels into the NHWC half input (<paramref name="halfHead"/>)
    /// or the float32 NCHW input of a head kept in float32.
    /// </summary>
    private void RoiAlign(DeviceFeatureLevel[] levels, int channels, int minLevel, DeviceBuffer rois, int count, int pooled, int samplingRatio,
        string poolerType, DeviceBuffer output, bool halfHead, CudaStream stream)
    {
        bool aligned = poolerType == "ROIAlignV2";
        if (Precision == GpuPrecision.Fp16 && !halfHead)
            _gpu.RoiAlign.EnqueueNhwcHalfToNchwFloat(levels, Batch, channels, minLevel, rois, count, pooled, samplingRatio, aligned, output, stream);
        else if (Precision == GpuPrecision.Fp16)
            _gpu.RoiAlign.EnqueueNhwcHalf(levels, Batch, channels, minLevel, rois, count, pooled, samplingRatio, aligned, output, stream);
        else
            _gpu.RoiAlign.Enqueue(levels, Batch, channels, minLevel, rois, count, pooled, samplingRatio, aligned, output, stream);
    }

    /// <summary>
    /// Runs <paramref name="body"/> for every image: image 0 on <paramref name="stream"/>, image n on side stream n - 1, forked from and
    /// joined back into <paramref name="stream"/> with events (captured as parallel graph branches).
    /// </summary>
    private void ForEachImage(CudaStream stream, Action<int, CudaStream> body)
    {
        if (Batch == 1)
        {
            body(0, stream);
            return;
        }
        _fork.Record(stream);
        foreach (CudaStream side in _sideStreams) side.Wait(_fork);
        for (int n = 0; n < Batch; n++) body(n, n == 0 ? stream : _sideStreams[n - 1]);
        for (int n = 0; n < _sideStreams.Length; n++)
        {
            _joins[n].Record(_sideStreams[n]);
            stream.Wait(_joins[n]);
        }
    }

    /// <summary>
    /// Per level, the objectness conv's weight rows then the delta conv's ([5A, C] float32, PyTorch's [out, in] order) and the two
    /// biases ([5A]), packed level after level, each part 16-byte aligned; the byte offsets of each level's weight and bias.
    /// </summary>
    private static (DeviceBuffer Buffer, long[] WeightOffsets, long[] BiasOffsets) UploadRpnHeadWeights(GpuContext gpu, NetworkGraph dense, IReadOnlyList<string> features)
    {
        var host = new List<float>();
        var weightOffsets = new long[features.Count];
        var offsets = new long[features.Count];
        for (int l = 0; l < features.Count; l++)
        {
            Node objNode = dense.Output("rpn_objectness_" + features[l]), delNode = dense.Output("rpn_deltas_" + features[l]);
            if (objNode.Attributes is not Conv2dAttributes obj || delNode.Attributes is not Conv2dAttributes del)
                throw new NotSupportedException($"RPN level {features[l]}: the objectness / delta outputs are not convs");
            if (obj.KernelH != 1 || obj.KernelW != 1 || del.KernelH != 1 || del.KernelW != 1 || obj.StrideH != 1 || obj.StrideW != 1
                || del.StrideH != 1 || del.StrideW != 1 || obj.Groups != 1 || del.Groups != 1 || obj.Relu || del.Relu
                || del.OutChannels != 4 * obj.OutChannels || obj.InChannels != del.InChannels || objNode.Inputs[0] != delNode.Inputs[0])
                throw new NotSupportedException($"RPN level {features[l]}: float32 RPN outputs need StandardRPNHead's two 1x1 convs on one input");
            if (obj.OutChannels > RpnHeadOutputsOp.MaxAnchors)
                throw new NotSupportedException($"RPN level {features[l]}: {obj.OutChannels} anchors per cell (float32 RPN outputs take at most {RpnHeadOutputsOp.MaxAnchors})");
            weightOffsets[l] = host.Count * 4L;
            host.AddRange(obj.Weight);
            host.AddRange(del.Weight);
            // Keep each bias 16-byte aligned.
            while (host.Count % 4 != 0) host.Add(0f);
            offsets[l] = host.Count * 4L;
            host.AddRange(obj.Bias ?? new float[obj.OutChannels]);
            host.AddRange(del.Bias ?? new float[del.OutChannels]);
            while (host.Count % 4 != 0) host.Add(0f);
        }
        DeviceBuffer buffer = gpu.Device.Allocate(host.Count * 4L);
        try
        {
            buffer.Upload<float>(host.ToArray(), gpu.Stream);
            gpu.Stream.Synchronize();
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
        return (buffer, weightOffsets, offsets);
    }

    private void GatherLevel(string output, int channels, long plane, DeviceBuffer perImage, long perImageElements, long levelOffsetElements, CudaStream stream)
    {
        // Level output [batch, channels, plane] float32 (or [batch, plane, channels] float16) -> image n's row at the level's offset.
        DeviceBuffer levelOutput = _dense.Output(output);
        bool halfOutput = Precision == GpuPrecision.Fp16 && !_dense.IsFloatOutput(output);
        long count = channels * plane;
        for (int n = 0; n < Batch; n++)
        {
            DeviceBuffer dst = perImage.Slice((n * perImageElements + levelOffsetElements) * 4, count * 4);
            if (halfOutput)
                _gpu.Convert.NhwcHalfToNchwFloat(levelOutput.Slice(n * count * 2, count * 2), 1, channels, plane, dst, stream);
            else
                dst.CopyFrom(levelOutput.Slice(n * count * 4, count * 4), count * 4, stream);
        }
    }

    private void CheckSizes(IReadOnlyList<(int Height, int Width)> sizes, IReadOnlyList<(int Height, int Width)>? pasteSizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Count != Batch) throw new ArgumentException($"{sizes.Count} image sizes for a plan of batch {Batch}", nameof(sizes));
        for (int n = 0; n < Batch; n++)
            if (sizes[n].Height < 1 || sizes[n].Width < 1 || sizes[n].Height > PaddedHeight || sizes[n].Width > PaddedWidth)
                throw new ArgumentException($"image {n} of {sizes[n].Height}x{sizes[n].Width} does not fit the plan's {PaddedHeight}x{PaddedWidth}", nameof(sizes));
        if (pasteSizes is not null && pasteSizes.Count != Batch)
            throw new ArgumentException($"{pasteSizes.Count} paste sizes for a plan of batch {Batch}", nameof(pasteSizes));
    }

    private void EnsurePasteOutput(IReadOnlyList<(int Height, int Width)> pasteSizes)
    {
        long bytes = pasteSizes.Sum(s => (long)DetectionsPerImage * s.Height * s.Width);
        if (_pasteOutput is not null && _pasteOutput.SizeBytes >= bytes) return;
        // Graphs captured with the old buffer point at it: drop them with it.
        _graphs.Dispose();
        _pasteOutput?.Dispose();
        _pasteOutput = _gpu.Device.Allocate(bytes);
    }

    /// <summary>Waits for the stream, then frees graphs, buffers and ops in reverse order of creation.</summary>
    public void Dispose()
    {
        _gpu.Stream.Synchronize();
        _graphs.Dispose();
        _pasteOutput?.Dispose();
        _maskArena?.Dispose();
        _boxArena.Dispose();
        _denseArena.Dispose();
        _arena.Dispose();
        for (int n = _sideStreams.Length - 1; n >= 0; n--)
        {
            _joins[n].Dispose();
            _sideStreams[n].Dispose();
        }
        _fork.Dispose();
        _rpnHeadWeights?.Dispose();
        for (int n = Batch - 1; n >= 0; n--)
        {
            _boxInference[n].Dispose();
            _rpn[n].Dispose();
        }
        _mask?.Dispose();
        _maskWeights32?.Dispose();
        _box.Dispose();
        _boxWeights32?.Dispose();
        _dense.Dispose();
    }
}
