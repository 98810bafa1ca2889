using Detserve.Backends.Cuda;
using Detserve.Backends.Cuda.Dnn;
using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Nvrtc;
using Detserve.Backends.Cuda.Ops;
using Detserve.Graph;
using Detserve.Graph.Compile;
using Detserve.Graph.Spec;
using Detserve.Vision;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// RetinaNet on one GPU: the device context, the dense graph's weights uploaded once (FP16 NHWC or FP32 NCHW, as the R-CNN path),
/// and one <see cref="GpuRetinaNetPlan"/> per (batch, padded size) in a bounded cache. <see cref="Run"/> uploads the resized uint8
/// images, replays (or enqueues) the plan and downloads boxes, scores and classes per image in resized-image pixels, as the CPU
/// RetinaNetDetector returns them. Owns everything it made; not thread-safe (the Predictor serializes runs).
/// </summary>
internal sealed class CudaRetinaNetDetector : IGpuPlannedDetector<GpuRetinaNetPlan>
{
    private const int PlanCacheCapacity = 4;

    private readonly GpuContext _gpu;
    private readonly ModelGraph _model;
    private readonly NetworkGraph _dense;
    private readonly GpuNetworkWeights _weights;
    private readonly TensorLayout _layout;
    private readonly BoundedCache<PlanKey, GpuRetinaNetPlan> _plans = new(PlanCacheCapacity);
    private readonly GpuImageInput _input;

    private CudaRetinaNetDetector(GpuContext gpu, ModelGraph model, NetworkGraph dense, GpuNetworkWeights weights, TensorLayout layout, GpuPrecision precision)
    {
        _gpu = gpu;
        _model = model;
        _dense = dense;
        _weights = weights;
        _layout = layout;
        Precision = precision;
        _input = new GpuImageInput(gpu);
    }

    public GpuPrecision Precision { get; }

    /// <summary>0: RetinaNet has no mask head.</summary>
    public int MaskResolution => 0;

    /// <summary>Replay captured CUDA graphs (true, default) or enqueue every kernel each run.</summary>
    public bool UseGraphs { get; set; } = true;

    /// <summary>Plans made from now on time cuDNN's candidate algorithms per layer (as <see cref="CudaDetector.MeasureConvAlgorithms"/>).</summary>
    public bool MeasureConvAlgorithms { get; set; }

    public GpuContext Gpu => _gpu;

    /// <summary>Weights' device bytes.</summary>
    public long WeightBytes => _weights.SizeBytes;

    /// <summary>"cuda:0 NVIDIA H100 ... , fp16" for the CLI.</summary>
    public string Description => $"cuda:{_gpu.Device.Ordinal} {_gpu.Device.Describe()}, {GpuPrecisionName.Name(Precision)}";

    /// <summary>Checks that the model is a RetinaNet the CUDA path runs, opens the device, compiles the dense graph and uploads its weights.</summary>
    /// <exception cref="NotSupportedException">a setting the GPU path does not implement, named by its config key.</exception>
    /// <exception cref="CudaException">no CUDA driver, no such device, or a CUDA error.</exception>
    public static CudaRetinaNetDetector Create(ModelGraph model, int ordinal, GpuPrecision precision, CudaLibraryOptions? libraries = null, NvrtcCacheOptions? cache = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckSupported(model.Architecture);
        GpuContext gpu = GpuContext.Open(ordinal, libraries ?? CudaLibraryOptions.Default, cache ?? NvrtcCacheOptions.Default);
        try
        {
            bool half = precision == GpuPrecision.Fp16;
            TensorLayout layout = half ? TensorLayout.Nhwc : TensorLayout.Nchw;
            NetworkGraph dense = GraphCompiler.Compile(model.Dense);
            return new CudaRetinaNetDetector(gpu, model, dense, new GpuNetworkWeights(gpu, dense, half, layout), layout, precision);
        }
        catch
        {
            gpu.Dispose();
            throw;
        }
    }

    /// <summary>Throws <see cref="NotSupportedException"/> naming the config key when the GPU RetinaNet cannot run <paramref name="arch"/>.</summary>
    public static void CheckSupported(ArchitectureSpec arch)
    {
        ArgumentNullException.ThrowIfNull(arch);
        if (arch.MetaArchitecture != MetaArchitecture.RetinaNet)
            throw new NotSupportedException($"MODEL.META_ARCHITECTURE {arch.MetaArchitecture} is not a RetinaNet");
        RetinaNetSpec spec = arch.RetinaNet!;
        if (spec.TopkCandidatesTest is < 1 or > TopKOp.MaxK)
            throw new NotSupportedException($"MODEL.RETINANET.TOPK_CANDIDATES_TEST {spec.TopkCandidatesTest} is outside 1..{TopKOp.MaxK} on CUDA");
        if (spec.DetectionsPerImage is < 1 or > TopKOp.MaxK)
            throw new NotSupportedException($"TEST.DETECTIONS_PER_IMAGE {spec.DetectionsPerImage} is outside 1..{TopKOp.MaxK} on CUDA: fixed capacities need a bound");
        if (spec.Norm.Length > 0)
            throw new NotSupportedException($"MODEL.RETINANET.NORM {spec.Norm} is not supported on CUDA (only no norm)");
    }

    /// <summary>The plan for <paramref name="key"/>, built on first use (evicting the least recently used beyond the cache's capacity).</summary>
    public GpuRetinaNetPlan Plan(PlanKey key) =>
        _plans.GetOrAdd(key, k => new GpuRetinaNetPlan(_gpu, _model, _dense, _weights, Precision, _layout, k.Batch, k.PaddedHeight, k.PaddedWidth,
            MeasureConvAlgorithms));

    /// <summary>The plan key of resized images of these sizes.</summary>
    public PlanKey KeyFor(IReadOnlyList<(int Height, int Width)> sizes) => PlanKey.For(sizes, _model.Architecture.SizeDivisibility, ShapeBuckets);

    /// <summary>Padded sizes batches are rounded up to (one plan and CUDA graph per bucket and batch size), or null.</summary>
    public ShapeBuckets? ShapeBuckets { get; set; }

    /// <summary>Plans held now (for tests).</summary>
    public int CachedPlans => _plans.Count;

    /// <inheritdoc/>
    public (int Batch, int PaddedHeight, int PaddedWidth, long SizeBytes) Shape(GpuRetinaNetPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return (plan.Batch, plan.PaddedHeight, plan.PaddedWidth, plan.SizeBytes);
    }

    /// <summary>Queues the uploads of <paramref name="resized"/> (already at their network size) into the plan's image slots.</summary>
    void IGpuPlannedDetector<GpuRetinaNetPlan>.Upload(GpuRetinaNetPlan plan, IReadOnlyList<RgbImage> resized)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(resized);
        _input.Upload(resized, resized.Select(r => (r.Height, r.Width)).ToArray(), plan.ImageSlot);
    }

    /// <summary>Runs the plan for these sizes through its CUDA graph, or enqueued op by op when graphs are off (no masks: <paramref name="pasteSizes"/> is not used).</summary>
    public void Execute(GpuRetinaNetPlan plan, IReadOnlyList<(int Height, int Width)> sizes, IReadOnlyList<(int Height, int Width)>? pasteSizes)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (UseGraphs) plan.Launch(sizes, _gpu.Stream);
        else plan.Enqueue(sizes, _gpu.Stream, null);
    }

    /// <inheritdoc/>
    public void Enqueue(GpuRetinaNetPlan plan, IReadOnlyList<(int Height, int Width)> sizes, IReadOnlyList<(int Height, int Width)>? pasteSizes,
        Action<string> mark)
    {
        ArgumentNullException.ThrowIfNull(plan);
        plan.Enqueue(sizes, _gpu.Stream, mark);
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

    /// <summary>Waits for the run and reads each image's detections (resized-image pixels).</summary>
    public IReadOnlyList<(Detections Detections, float[]? Masks)> Download(GpuRetinaNetPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return DeviceDetections.Download(_gpu, plan.DetectionBoxes, plan.DetectionScores, plan.DetectionClasses, plan.DetectionCounts,
                plan.Batch, plan.DetectionsPerImage, "RetinaNet detections")
            .Select(det => (det, (float[]?)null)).ToArray();
    }

    /// <summary>
    /// The detector's forward for resized images (sizes may differ; padded to the batch max as ImageList does): per image the
    /// detections in resized-image pixels (no masks).
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
        return RunWith(sizes, plan => _input.Upload(images, sizes, plan.ImageSlot), cancellationToken);
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
    private IReadOnlyList<(Detections Detections, float[]? Masks)> RunWith(IReadOnlyList<(int Height, int Width)> sizes, Action<GpuRetinaNetPlan> upload,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        // The caller's thread may be new (server workers): the context must be current before plans, uploads and launches.
        _gpu.Device.MakeCurrent();
        GpuRetinaNetPlan plan = Plan(KeyFor(sizes));
        cancellationToken.ThrowIfCancellationRequested();
        upload(plan);
        if (UseGraphs) plan.Launch(sizes, _gpu.Stream);
        else plan.Enqueue(sizes, _gpu.Stream, null);
        return Download(plan);
    }

    /// <summary>Frees plans, weights and the context, in reverse order of creation.</summary>
    public void Dispose()
    {
        _gpu.Device.MakeCurrent();
        _input.Dispose();
        _plans.Dispose();
        _weights.Dispose();
        _gpu.Dispose();
    }
}
