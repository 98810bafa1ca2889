using Detserve.Backends.Cpu;
using Detserve.Graph;
using Detserve.Graph.Build;
using Detserve.Graph.Compile;
using Detserve.Graph.Spec;
using Detserve.Import.Model;
using Detserve.Vision;

namespace Detserve.Runtime;

/// <summary>
/// Detectron2's DefaultPredictor for a batch of images on the CPU: per image channel order (INPUT.FORMAT), ResizeShortestEdge with
/// Pillow's bilinear filter, normalization; the batch padded as ImageList.from_tensors; the network (GeneralizedRCNN or RetinaNet);
/// detections rescaled to each original size (detector_postprocess). Owns its CPU context; dispose it when done.
/// Concurrent <see cref="Run(IReadOnlyList{RgbImage}, CancellationToken)"/> calls on one instance are serialized (the CPU context
/// already uses every thread it was given); use one predictor per independent worker for parallel runs.
/// </summary>
public sealed class Predictor : IDisposable
{
    private readonly CpuContext _ctx;
    private readonly IDetector _detector;
    private readonly Lock _runLock = new();
    private bool _disposed;

    private Predictor(ModelGraph model, IDetector detector, CpuContext ctx)
    {
        Model = model;
        _detector = detector;
        _ctx = ctx;
    }

    /// <summary>The model graph (before compilation) the predictor runs.</summary>
    public ModelGraph Model { get; }

    /// <summary>Warnings from building the graph (checkpoint tensors the model does not use).</summary>
    public IReadOnlyList<string> Warnings { get; private init; } = [];

    /// <summary>The CPU threads in use and the GEMM backend, for the CLI to print.</summary>
    public string BackendDescription => $"cpu, {_ctx.Threads} threads, {_ctx.GemmDescription}";

    /// <summary>Builds the graph from a loaded model, compiles it (FrozenBN folding, conv fusion) and packs weights for the backend.</summary>
    public static Predictor Create(ModelSpec spec, PredictorOptions options)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Create(spec.Architecture, spec.Weights, options);
    }

    /// <summary>As <see cref="Create(ModelSpec, PredictorOptions)"/> from an architecture and named weights (seeded models, benchmarks).</summary>
    public static Predictor Create(ArchitectureSpec architecture, IReadOnlyDictionary<string, HostTensor> weights, PredictorOptions options)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(options);
        if (!string.Equals(options.Device, "cpu", StringComparison.OrdinalIgnoreCase))
            throw new NotSupportedException($"device '{options.Device}' is not available in this engine (only \"cpu\")");
        if (!string.Equals(options.Precision, "fp32", StringComparison.OrdinalIgnoreCase))
            throw new NotSupportedException($"precision '{options.Precision}' is not supported on the CPU (only \"fp32\")");
        if (options.Threads < 0) throw new ArgumentOutOfRangeException(nameof(options), options.Threads, "Threads must be >= 0 (0 = all cores)");

        ModelGraph model = ModelGraphBuilder.Build(architecture, weights, out IReadOnlyList<string> unused);
        NetworkGraph dense = GraphCompiler.Compile(model.Dense);
        IDetector detector = architecture.MetaArchitecture switch
        {
            MetaArchitecture.GeneralizedRCNN => new GeneralizedRcnn(model, dense, GraphCompiler.Compile(model.BoxHead!),
                model.MaskHead is null ? null : GraphCompiler.Compile(model.MaskHead)),
            MetaArchitecture.RetinaNet => new RetinaNetDetector(model, dense),
            _ => throw new NotSupportedException($"MODEL.META_ARCHITECTURE {architecture.MetaArchitecture}"),
        };
        var ctx = new CpuContext(options.Threads);
        return new Predictor(model, detector, ctx) { Warnings = unused.Select(u => $"weight '{u}' is not used by the model").ToArray() };
    }

    /// <summary>Runs the model on <paramref name="images"/> (RGB; sizes may differ) and returns one <see cref="Instances"/> per image.</summary>
    public IReadOnlyList<Instances> Run(IReadOnlyList<RgbImage> images, CancellationToken cancellationToken = default) =>
        Run(images, null, cancellationToken);

    /// <summary>As <see cref="Run(IReadOnlyList{RgbImage}, CancellationToken)"/>, handing every intermediate tensor to <paramref name="observer"/>.</summary>
    public IReadOnlyList<Instances> Run(IReadOnlyList<RgbImage> images, IStageObserver? observer, CancellationToken cancellationToken = default)
    {
        lock (_runLock) return RunLocked(images, observer, cancellationToken);
    }

    private Instances[] RunLocked(IReadOnlyList<RgbImage> images, IStageObserver? observer, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) return [];
        InputSpec input = Model.Architecture.Input;

        // DefaultPredictor: resize each image; the network then sees them as one padded batch.
        var resized = new RgbImage[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(images[i], $"images[{i}]");
            resized[i] = ImagePreprocessor.Resize(images[i], input);
        }
        cancellationToken.ThrowIfCancellationRequested();
        FeatureMap batch = ImagePreprocessor.Batch(resized, input, Model.Architecture.SizeDivisibility);
        var sizes = resized.Select(r => (r.Height, r.Width)).ToArray();

        var perImage = _detector.Forward(_ctx, batch, sizes, observer, cancellationToken);

        var results = new Instances[images.Count];
        for (int i = 0; i < images.Count; i++)
            results[i] = DetectorPostprocess.Run(perImage[i].Detections, perImage[i].Masks, _detector.MaskResolution,
                sizes[i].Height, sizes[i].Width, images[i].Height, images[i].Width);
        return results;
    }

    /// <summary>Releases the CPU context.</summary>
    public void Dispose()
    {
        lock (_runLock)
        {
            if (_disposed) return;
            _disposed = true;
            _ctx.Dispose();
        }
    }
}
