using Detserve.Backends.Cuda;
using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Nvrtc;
using Detserve.Graph;
using Detserve.Graph.Spec;
using Detserve.Vision;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// Mask / Faster R-CNN on one GPU: the device context, the weights uploaded once, and one <see cref="GpuDetectorPlan"/> per
/// (batch, padded size) in a bounded cache. <see cref="Run"/> uploads the resized uint8 images, replays (or enqueues) the plan and
/// downloads boxes, scores, classes and M x M mask probabilities per image, in resized-image pixels, as the CPU detector returns them.
/// Owns everything it made; not thread-safe (the Predictor serializes runs).
/// </summary>
internal sealed class CudaDetector : IGpuPlannedDetector<GpuDetectorPlan>
{
    private const int PlanCacheCapacity = 4;

    private readonly GpuContext _gpu;
    private readonly GpuModelGraphs _graphs;
    private readonly ModelGraph _model;
    private readonly BoundedCache<PlanKey, GpuDetectorPlan> _plans = new(PlanCacheCapacity);
    private readonly GpuImageInput _input;

    private CudaDetector(GpuContext gpu, GpuModelGraphs graphs, ModelGraph model, GpuPrecision precision)
    {
        _gpu = gpu;
        _input = new GpuImageInput(gpu);
        _graphs = graphs;
        _model = model;
        Precision = precision;
        MaskResolution = graphs.MaskHead is null ? 0 : graphs.MaskHead.Output("mask_logits").Shape.Height;
    }

    public GpuPrecision Precision { get; }

    public int MaskResolution { get; }

    /// <summary>
    /// Plans made from now on time cuDNN's candidate algorithms per layer on the device (cudnnFind, as PyTorch's cudnn.benchmark) instead
    /// of taking the heuristic's first: slower plan creation (seconds), faster runs. Off by default.
    /// </summary>
    public bool MeasureConvAlgorithms { get; set; }

    /// <summary>Replay captured CUDA graphs (true, default) or enqueue every kernel each run.</summary>
    public bool UseGraphs { get; set; } = true;

    public GpuContext Gpu => _gpu;

    /// <summary>Weights' device bytes.</summary>
    public long WeightBytes => _graphs.SizeBytes;

    /// <summary>"cuda:0 NVIDIA H100 ... , fp16" for the CLI.</summary>
    public string Description => $"cuda:{_gpu.Device.Ordinal} {_gpu.Device.Describe()}, {GpuPrecisionName.Name(Precision)}";

    /// <summary>
    /// Checks that the model is one the CUDA path runs, opens the device, compiles the graphs and uploads the weights.
    /// </summary>
    /// <exception cref="NotSupportedException">a meta-architecture or setting the GPU path does not implement, named by its config key.</exception>
    /// <exception cref="CudaException">no CUDA driver, no such device, or a CUDA error.</exception>
    public static CudaDetector Create(ModelGraph model, int ordinal, GpuPrecision precision, CudaLibraryOptions? libraries = null, NvrtcCacheOptions? cache = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckSupported(model.Architecture);
        GpuContext gpu = GpuContext.Open(ordinal, libraries ?? CudaLibraryOptions.Default, cache ?? NvrtcCacheOptions.Default);
        try
        {
            return new CudaDetector(gpu, new GpuModelGraphs(gpu, model, precision), model, precision);
        }
        catch
        {
            gpu.Dispose();
            throw;
        }
    }

    /// <summary>Throws <see cref="NotSupportedException"/> naming the config key when the GPU path cannot run <paramref name="arch"/>.</summary>
    public static void CheckSupported(ArchitectureSpec arch)
    {
        ArgumentNullException.ThrowIfNull(arch);
        if (arch.MetaArchitecture != MetaArchitecture.GeneralizedRCNN)
            throw new NotSupportedException($"MODEL.META_ARCHITECTURE {arch.MetaArchitecture} is not supported on CUDA yet (GeneralizedRCNN is; run it with --device cpu)");
        RpnSpec rpn = arch.Rpn!;
        RoiHeadsSpec roi = arch.RoiHeads!;
        if (rpn.BboxRegWeights.Any(w => w != 1.0))
            throw new NotSupportedException($"MODEL.RPN.BBOX_REG_WEIGHTS ({string.Join(", ", rpn.BboxRegWeights)}) other than 1.0 are not supported on CUDA");
        if (rpn.PreNmsTopKTest is < 1 or > Backends.Cuda.Ops.BatchedNmsOp.MaxGroupSizeLimit)
            throw new NotSupportedException($"MODEL.RPN.PRE_NMS_TOPK_TEST {rpn.PreNmsTopKTest} is outside 1..{Backends.Cuda.Ops.BatchedNmsOp.MaxGroupSizeLimit} on CUDA");
        if (rpn.PostNmsTopKTest is < 1 or > Backends.Cuda.Ops.BatchedNmsOp.MaxGroupSizeLimit)
            throw new NotSupportedException($"MODEL.RPN.POST_NMS_TOPK_TEST {rpn.PostNmsTopKTest} is outside 1..{Backends.Cuda.Ops.BatchedNmsOp.MaxGroupSizeLimit} on CUDA");
        if (roi.DetectionsPerImage < 1)
            throw new NotSupportedException($"TEST.DETECTIONS_PER_IMAGE {roi.DetectionsPerImage} (unbounded) is not supported on CUDA: fixed capacities need a bound");
        if (roi.BoxHead.ClsAgnosticBboxReg)
            throw new NotSupportedException("MODEL.ROI_BOX_HEAD.CLS_AGNOSTIC_BBOX_REG True is not supported on CUDA");
        foreach ((string key, string type) in new[] { ("MODEL.ROI_BOX_HEAD.POOLER_TYPE", roi.BoxHead.PoolerType), ("MODEL.ROI_MASK_HEAD.POOLER_TYPE", roi.MaskHead?.PoolerType ?? "ROIAlignV2") })
            if (type is not ("ROIAlignV2" or "ROIAlign"))
                throw new NotSupportedException($"{key} {type} is not supported on CUDA (ROIAlign, ROIAlignV2)");
    }

    /// <summary>The plan for <paramref name="key"/>, built on first use (evicting the least recently used beyond the cache's capacity).</summary>
    public GpuDetectorPlan Plan(PlanKey key) =>
        _plans.GetOrAdd(key, k => new GpuDetectorPlan(_gpu, _model, _graphs, Precision, k.Batch, k.PaddedHeight, k.PaddedWidth, MeasureConvAlgorithms));

    /// <summary>The plan key of resized images of these sizes.</summary>
    public PlanKey KeyFor(IReadOnlyList<(int Height, int Width)> sizes) => PlanKey.For(sizes, _model.Architecture.SizeDivisibility, ShapeBuckets);

    /// <summary>Padded sizes batches are rounded up to (one plan and CUDA graph per bucket and batch size), or null.</summary>
    public ShapeBuckets? ShapeBuckets { get; set; }

    /// <summary>Queues the uploads of <paramref name="resized"/> (already at their network size) into the plan's image slots.</summary>
    public void Upload(GpuDetectorPlan plan, IReadOnlyList<RgbImage> resized) =>
        Upload(plan, resized, resized.Select(r => (r.Height, r.Width)).ToArray());

    /// <summary>Queues <paramref name="images"/> resized on the GPU to <paramref name="sizes"/> into the plan's image slots.</summary>
    public void Upload(GpuDetectorPlan plan, IReadOnlyList<RgbImage> images, IReadOnlyList<(int Height, int Width)> sizes)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _input.Upload(images, sizes, plan.ImageSlot);
    }

    /// <summary>
    /// The decode step of <see cref="Run(IReadOnlyList{GpuInputImage}, IReadOnlyList{ValueTuple{int, int}}, CancellationToken)"/>: JPEGs
    /// decoded by nvJPEG on this GPU, everything else on the host, a failure kept per image (<see cref="GpuImageInput.Decode"/>).
    /// </summary>
    public GpuImageBatch Decode(IReadOnlyList<EncodedImage> images, ImageLimits limits)
    {
        _gpu.Device.MakeCurrent();
        return _input.Decode(images, limits);
    }

    /// <summary>Plans held now (for tests).</summary>
    public int CachedPlans => _plans.Count;

    /// <inheritdoc/>
    public (int Batch, int PaddedHeight, int PaddedWidth, long SizeBytes) Shape(GpuDetectorPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return (plan.Batch, plan.PaddedHeight, plan.PaddedWidth, plan.SizeBytes);
    }

    /// <inheritdoc/>
    public void Enqueue(GpuDetectorPlan plan, IReadOnlyList<(int Height, int Width)> sizes, IReadOnlyList<(int Height, int Width)>? pasteSizes,
        Action<string> mark)
    {
        ArgumentNullException.ThrowIfNull(plan);
        plan.Enqueue(sizes, pasteSizes, _gpu.Stream, mark);
    }

    /// <summary>Runs the plan for these sizes through its CUDA graph, or enqueued op by op when graphs are off.</summary>
    public void Execute(GpuDetectorPlan plan, IReadOnlyList<(int Height, int Width)> sizes, IReadOnlyList<(int Height, int Width)>? pasteSizes)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (UseGraphs) plan.Launch(sizes, pasteSizes, _gpu.Stream);
        else plan.Enqueue(sizes, pasteSizes, _gpu.Stream, null);
    }

    /// <summary>Waits for the run and reads each image's detections (resized-image pixels) and mask probabilities.</summary>
    public IReadOnlyList<(Detections Detections, float[]? Masks)> Download(GpuDetectorPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        int batch = plan.Batch, d = plan.DetectionsPerImage, m2 = plan.MaskResolution * plan.MaskResolution;
        Detections[] detections = DeviceDetections.Download(_gpu, plan.DetectionBoxes, plan.DetectionScores, plan.DetectionClasses,
            plan.DetectionCounts, batch, d, "detections");
        float[]? masks = null;
        if (m2 > 0)
        {
            masks = new float[batch * d * m2];
            plan.MaskProbabilities.Download<float>(masks, _gpu.Stream);
        }
        var results = new (Detections, float[]?)[batch];
        for (int n = 0; n < batch; n++) results[n] = (detections[n], masks?.AsSpan(n * d * m2, detections[n].Count * m2).ToArray());
        return results;
    }

    /// <summary>
    /// The detector's forward for resized images (sizes may differ; padded to the batch max as ImageList does): per image the
    /// detections in resized-image pixels and Count x M x M mask probabilities.
    /// </summary>
    public IReadOnlyList<(Detections Detections, float[]? Masks)> Run(IReadOnlyList<RgbImage> resized, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resized);
        return Run(resized, resized.Select(r => (r.Height, r.Width)).ToArray(), cancellationToken);
    }

    /// <summary>As <see cref="Run(IReadOnlyList{RgbImage}, CancellationToken)"/> from the original images, resized on the GPU to <paramref name="sizes"/>.</summary>
    public IReadOnlyList<(Detections Detections, float[]? Masks)> Run(IReadOnlyList<RgbImage> images, IReadOnlyList<(int Height, int Width)> sizes,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(images);
        return RunWith(sizes, plan => Upload(plan, images, sizes), cancellationToken);
    }

    /// <summary>
    /// As <see cref="Run(IReadOnlyList{RgbImage}, IReadOnlyList{ValueTuple{int, int}}, CancellationToken)"/> from images of <see cref="Decode"/>
    /// (device-decoded JPEGs oriented and resized on the GPU), resized to <paramref name="sizes"/>.
    /// </summary>
    public IReadOnlyList<(Detections Detections, float[]? Masks)> Run(IReadOnlyList<GpuInputImage> images, IReadOnlyList<(int Height, int Width)> sizes,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(images);
        return RunWith(sizes, plan => _input.Upload(images, sizes, plan.ImageSlot), cancellationToken);
    }

    /// <summary>The plan for <paramref name="sizes"/>, its images uploaded by <paramref name="upload"/>, run, and its detections downloaded.</summary>
    private IReadOnlyList<(Detections Detections, float[]? Masks)> RunWith(IReadOnlyList<(int Height, int Width)> sizes, Action<GpuDetectorPlan> upload,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        // The caller's thread may be new (server workers): the context must be current before plans, uploads and launches.
        _gpu.Device.MakeCurrent();
        GpuDetectorPlan plan = Plan(KeyFor(sizes));
        cancellationToken.ThrowIfCancellationRequested();
        upload(plan);
        Execute(plan, sizes, null);
        return Download(plan);
    }

    /// <summary>Frees plans, weights and the context, in reverse order of creation.</summary>
    public void Dispose()
    {
        _gpu.Device.MakeCurrent();
        _input.Dispose();
        _plans.Dispose();
        _graphs.Dispose();
        _gpu.Dispose();
    }
}
