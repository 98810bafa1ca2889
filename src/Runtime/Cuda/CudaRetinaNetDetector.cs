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
/// and one <see cref="GpuRetinaNetPlan"/> per (batch, padded size) in the bounded cache of <see cref="GpuDetectorBase{TPlan}"/>. A run uploads the resized uint8
/// images, replays (or enqueues) the plan and downloads boxes, scores and classes per image in resized-image pixels, as the CPU
/// RetinaNetDetector returns them. Owns everything it made; not thread-safe (the Predictor serializes runs).
/// </summary>
internal sealed class CudaRetinaNetDetector : GpuDetectorBase<GpuRetinaNetPlan>
{
    private readonly ModelGraph _model;
    private readonly NetworkGraph _dense;
    private readonly GpuNetworkWeights _weights;
    private readonly TensorLayout _layout;

    private CudaRetinaNetDetector(GpuContext gpu, ModelGraph model, NetworkGraph dense, GpuNetworkWeights weights, TensorLayout layout, GpuPrecision precision)
        : base(gpu, precision, model.Architecture.SizeDivisibility)
    {
        _model = model;
        _dense = dense;
        _weights = weights;
        _layout = layout;
    }

    /// <summary>0: RetinaNet has no mask head.</summary>
    public override int MaskResolution => 0;

    /// <summary>Weights' device bytes.</summary>
    public override long WeightBytes => _weights.SizeBytes;

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

    /// <summary>Runs the plan for these sizes through its CUDA graph, or enqueued op by op when graphs are off (no masks: <paramref name="pasteSizes"/> is not used).</summary>
    public override void Execute(GpuRetinaNetPlan plan, IReadOnlyList<(int Height, int Width)> sizes, IReadOnlyList<(int Height, int Width)>? pasteSizes)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (UseGraphs) plan.Launch(sizes, Gpu.Stream);
        else plan.Enqueue(sizes, Gpu.Stream, null);
    }

    /// <inheritdoc/>
    public override void Enqueue(GpuRetinaNetPlan plan, IReadOnlyList<(int Height, int Width)> sizes, IReadOnlyList<(int Height, int Width)>? pasteSizes,
        Action<string> mark)
    {
        ArgumentNullException.ThrowIfNull(plan);
        plan.Enqueue(sizes, Gpu.Stream, mark);
    }

    /// <summary>Waits for the run and reads each image's detections (resized-image pixels).</summary>
    public override IReadOnlyList<(Detections Detections, float[]? Masks)> Download(GpuRetinaNetPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return DeviceDetections.Download(Gpu, plan.DetectionBoxes, plan.DetectionScores, plan.DetectionClasses, plan.DetectionCounts,
                plan.Batch, plan.DetectionsPerImage, "RetinaNet detections")
            .Select(det => (det, (float[]?)null)).ToArray();
    }

    /// <inheritdoc/>
    protected override GpuRetinaNetPlan CreatePlan(PlanKey key) =>
        new(Gpu, _model, _dense, _weights, Precision, _layout, key.Batch, key.PaddedHeight, key.PaddedWidth, MeasureConvAlgorithms);

    /// <inheritdoc/>
    protected override void DisposeWeights() => _weights.Dispose();
}
