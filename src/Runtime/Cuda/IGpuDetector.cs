using Detserve.Vision;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// A detector that runs a whole meta-architecture on one GPU (<see cref="CudaDetector"/> for Mask / Faster R-CNN,
/// <see cref="CudaRetinaNetDetector"/> for RetinaNet): the device context, the weights uploaded once and a bounded cache of plans by
/// <see cref="PlanKey"/>. What callers that do not care which meta-architecture it is use (the Predictor, the benchmark).
/// Implementations own everything they made and are not thread-safe (callers serialize runs).
/// </summary>
internal interface IGpuDetector : IDisposable
{
    GpuPrecision Precision { get; }

    /// <summary>M of the M x M mask probabilities each detection carries; 0 for a model without a mask head (RetinaNet, Faster R-CNN).</summary>
    int MaskResolution { get; }

    /// <summary>Replay captured CUDA graphs (true, default) or enqueue every kernel each run.</summary>
    bool UseGraphs { get; set; }

    /// <summary>Plans made from now on time cuDNN's candidate algorithms per layer (cudnnFind) instead of taking the heuristic's first.</summary>
    bool MeasureConvAlgorithms { get; set; }

    GpuContext Gpu { get; }

    /// <summary>Weights' device bytes.</summary>
    long WeightBytes { get; }

    /// <summary>"cuda:0 NVIDIA H100 ... , fp16" for the CLI.</summary>
    string Description { get; }

    /// <summary>Plans held now (for tests).</summary>
    int CachedPlans { get; }

    /// <summary>The plan key of resized images of these sizes (padded as ImageList.from_tensors pads them, or up to a shape bucket).</summary>
    PlanKey KeyFor(IReadOnlyList<(int Height, int Width)> sizes);

    /// <summary>Padded sizes batches are rounded up to (<see cref="Runtime.ShapeBuckets"/>), or null for each batch's own size.</summary>
    ShapeBuckets? ShapeBuckets { get; set; }

    /// <summary>
    /// The detector's forward for resized images (sizes may differ; padded to the batch max): per image the detections in resized-image
    /// pixels and Count x M x M mask probabilities (null when <see cref="MaskResolution"/> is 0).
    /// </summary>
    IReadOnlyList<(Detections Detections, float[]? Masks)> Run(IReadOnlyList<RgbImage> resized, CancellationToken cancellationToken);

    /// <summary>As <see cref="Run(IReadOnlyList{RgbImage}, CancellationToken)"/> from the original images, resized on the GPU to <paramref name="sizes"/>.</summary>
    IReadOnlyList<(Detections Detections, float[]? Masks)> Run(IReadOnlyList<RgbImage> images, IReadOnlyList<(int Height, int Width)> sizes,
        CancellationToken cancellationToken);

    /// <summary>Decodes encoded images into the detector's device input buffers (nvJPEG for JPEG, the host decoder for the rest); per-image errors.</summary>
    GpuImageBatch Decode(IReadOnlyList<EncodedImage> images, ImageLimits limits);

    /// <summary>As <see cref="Run(IReadOnlyList{RgbImage}, IReadOnlyList{ValueTuple{int, int}}, CancellationToken)"/> from images of <see cref="Decode"/>.</summary>
    IReadOnlyList<(Detections Detections, float[]? Masks)> Run(IReadOnlyList<GpuInputImage> images, IReadOnlyList<(int Height, int Width)> sizes,
        CancellationToken cancellationToken);
}
