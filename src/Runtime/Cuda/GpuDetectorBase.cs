using Detserve.Vision;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// The part of a GPU detector that does not depend on its meta-architecture: the device context, the image input (upload, GPU resize,
/// nvJPEG decode), the bounded plan cache keyed by <see cref="PlanKey"/> (with optional <see cref="ShapeBuckets"/>), and the run itself
/// (plan, upload, execute, download). <see cref="CudaDetector"/> and <see cref="CudaRetinaNetDetector"/> add their weights, plans and
/// downloads. Owns everything it made; not thread-safe (the Predictor serializes runs).
/// </summary>
/// <typeparam name="TPlan">The detector's plan for one (batch, padded height, padded width).</typeparam>
internal abstract class GpuDetectorBase<TPlan> : IGpuPlannedDetector<TPlan> where TPlan : class, IGpuPlan
{
    private const int PlanCacheCapacity = 4;

    private readonly BoundedCache<PlanKey, TPlan> _plans = new(PlanCacheCapacity);
    private readonly GpuImageInput _input;
    private readonly int _sizeDivisibility;

    protected GpuDetectorBase(GpuContext gpu, GpuPrecision precision, int sizeDivisibility)
    {
        Gpu = gpu;
        Precision = precision;
        _sizeDivisibility = sizeDivisibility;
        _input = new GpuImageInput(gpu);
    }

    public GpuContext Gpu { get; }

    public GpuPrecision Precision { get; }

    public abstract int MaskResolution { get; }

    /// <summary>Weights' device bytes.</summary>
    public abstract long WeightBytes { get; }

    /// <summary>
    /// Plans made from now on time cuDNN's candidate algorithms per layer on the device (cudnnFind, as PyTorch's cudnn.benchmark) instead
    /// of taking the heuristic's first: slower plan creation (seconds), faster runs. Off by default.
    /// </summary>
    public bool MeasureConvAlgorithms { get; set; }

    /// <summary>Replay captured CUDA graphs (true, default) or enqueue every kernel each run.</summary>
    public bool UseGraphs { get; set; } = true;

    /// <summary>Padded sizes batches are rounded up to (one plan and CUDA graph per bucket and batch size), or null.</summary>
    public ShapeBuckets? ShapeBuckets { get; set; }

    /// <summary>"cuda:0 NVIDIA H100 ... , fp16" for the CLI.</summary>
    public string Description => $"cuda:{Gpu.Device.Ordinal} {Gpu.Device.Describe()}, {GpuPrecisionName.Name(Precision)}";

    /// <summary>Plans held now (for tests).</summary>
    public int CachedPlans => _plans.Count;

    /// <summary>The plan for <paramref name="key"/>, built on first use (evicting the least recently used beyond the cache's capacity).</summary>
    public TPlan Plan(PlanKey key) => _plans.GetOrAdd(key, CreatePlan);

    /// <summary>The plan key of resized images of these sizes.</summary>
    public PlanKey KeyFor(IReadOnlyList<(int Height, int Width)> sizes) => PlanKey.For(sizes, _sizeDivisibility, ShapeBuckets);

    /// <inheritdoc/>
    public (int Batch, int PaddedHeight, int PaddedWidth, long SizeBytes) Shape(TPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return (plan.Batch, plan.PaddedHeight, plan.PaddedWidth, plan.SizeBytes);
    }

    /// <summary>Queues the uploads of <paramref name="resized"/> (already at their network size) into the plan's image slots.</summary>
    public void Upload(TPlan plan, IReadOnlyList<RgbImage> resized)
    {
        ArgumentNullException.ThrowIfNull(resized);
        Upload(plan, resized, resized.Select(r => (r.Height, r.Width)).ToArray());
    }

    /// <summary>Queues <paramref name="images"/> resized on the GPU to <paramref name="sizes"/> into the plan's image slots.</summary>
    public void Upload(TPlan plan, IReadOnlyList<RgbImage> images, IReadOnlyList<(int Height, int Width)> sizes)
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
        Gpu.Device.MakeCurrent();
        return _input.Decode(images, limits);
    }

    /// <summary>Runs the plan for these sizes through its CUDA graph, or enqueued op by op when graphs are off.</summary>
    public abstract void Execute(TPlan plan, IReadOnlyList<(int Height, int Width)> sizes, IReadOnlyList<(int Height, int Width)>? pasteSizes);

    /// <inheritdoc/>
    public abstract void Enqueue(TPlan plan, IReadOnlyList<(int Height, int Width)> sizes, IReadOnlyList<(int Height, int Width)>? pasteSizes,
        Action<string> mark);

    /// <summary>Waits for the run and reads each image's detections (resized-image pixels) and mask probabilities (null without a mask head).</summary>
    public abstract IReadOnlyList<(Detections Detections, float[]? Masks)> Download(TPlan plan);

    /// <summary>
    /// The detector's forward for resized images (sizes may differ; padded to the batch max as ImageList does): per image the
    /// detections in resized-image pixels and Count x M x M mask probabilities (null when <see cref="MaskResolution"/> is 0).
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

    /// <summary>Frees plans, weights and the context, in reverse order of creation.</summary>
    public void Dispose()
    {
        Gpu.Device.MakeCurrent();
        _input.Dispose();
        _plans.Dispose();
        DisposeWeights();
        Gpu.Dispose();
    }

    /// <summary>Builds the plan for <paramref name="key"/> (called once per key by <see cref="Plan"/>).</summary>
    protected abstract TPlan CreatePlan(PlanKey key);

    /// <summary>Frees the detector's device weights (plans and the image input are already freed).</summary>
    protected abstract void DisposeWeights();

    /// <summary>The plan for <paramref name="sizes"/>, its images uploaded by <paramref name="upload"/>, run, and its detections downloaded.</summary>
    private IReadOnlyList<(Detections Detections, float[]? Masks)> RunWith(IReadOnlyList<(int Height, int Width)> sizes, Action<TPlan> upload,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        // The caller's thread may be new (server workers): the context must be current before plans, uploads and launches.
        Gpu.Device.MakeCurrent();
        TPlan plan = Plan(KeyFor(sizes));
        cancellationToken.ThrowIfCancellationRequested();
        upload(plan);
        Execute(plan, sizes, null);
        return Download(plan);
    }
}
