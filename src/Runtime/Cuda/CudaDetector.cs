using Detserve.Backends.Cuda;
using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Nvrtc;
using Detserve.Graph;
using Detserve.Graph.Spec;
using Detserve.Vision;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// Mask / Faster R-CNN on one GPU: the device context, the weights uploaded once, and one <see cref="GpuDetectorPlan"/> per
/// (batch, padded size) in the bounded cache of <see cref="GpuDetectorBase{TPlan}"/>. A run uploads the resized uint8 images, replays (or enqueues) the plan and
/// downloads boxes, scores, classes and M x M mask probabilities per image, in resized-image pixels, as the CPU detector returns them.
/// Owns everything it made; not thread-safe (the Predictor serializes runs).
/// </summary>
internal sealed class CudaDetector : GpuDetectorBase<GpuDetectorPlan>
{
    private readonly GpuModelGraphs _graphs;
    private readonly ModelGraph _model;

    private CudaDetector(GpuContext gpu, GpuModelGraphs graphs, ModelGraph model, GpuPrecision precision)
        : base(gpu, precision, model.Architecture.SizeDivisibility)
    {
        _graphs = graphs;
        _model = model;
        MaskResolution = graphs.MaskHead is null ? 0 : graphs.MaskHead.Output("mask_logits").Shape.Height;
    }

    public override int MaskResolution { get; }

    /// <summary>Weights' device bytes.</summary>
    public override long WeightBytes => _graphs.SizeBytes;

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

    /// <inheritdoc/>
    public override void Enqueue(GpuDetectorPlan plan, IReadOnlyList<(int Height, int Width)> sizes, IReadOnlyList<(int Height, int Width)>? pasteSizes,
        Action<string> mark)
    {
        ArgumentNullException.ThrowIfNull(plan);
        plan.Enqueue(sizes, pasteSizes, Gpu.Stream, mark);
    }

    /// <summary>Runs the plan for these sizes through its CUDA graph, or enqueued op by op when graphs are off.</summary>
    public override void Execute(GpuDetectorPlan plan, IReadOnlyList<(int Height, int Width)> sizes, IReadOnlyList<(int Height, int Width)>? pasteSizes)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (UseGraphs) plan.Launch(sizes, pasteSizes, Gpu.Stream);
        else plan.Enqueue(sizes, pasteSizes, Gpu.Stream, null);
    }

    /// <summary>Waits for the run and reads each image's detections (resized-image pixels) and mask probabilities.</summary>
    public override IReadOnlyList<(Detections Detections, float[]? Masks)> Download(GpuDetectorPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        int batch = plan.Batch, d = plan.DetectionsPerImage, m2 = plan.MaskResolution * plan.MaskResolution;
        Detections[] detections = DeviceDetections.Download(Gpu, plan.DetectionBoxes, plan.DetectionScores, plan.DetectionClasses,
            plan.DetectionCounts, batch, d, "detections");
        float[]? masks = null;
        if (m2 > 0)
        {
            masks = new float[batch * d * m2];
            plan.MaskProbabilities.Download<float>(masks, Gpu.Stream);
        }
        var results = new (Detections, float[]?)[batch];
        for (int n = 0; n < batch; n++) results[n] = (detections[n], masks?.AsSpan(n * d * m2, detections[n].Count * m2).ToArray());
        return results;
    }

    /// <inheritdoc/>
    protected override GpuDetectorPlan CreatePlan(PlanKey key) =>
        new(Gpu, _model, _graphs, Precision, key.Batch, key.PaddedHeight, key.PaddedWidth, MeasureConvAlgorithms);

    /// <inheritdoc/>
    protected override void DisposeWeights() => _graphs.Dispose();
}
