using Detserve.Backends.Cpu;
using Detserve.Backends.Cuda;
using Detserve.Graph;
using Detserve.Graph.Build;
using Detserve.Graph.Compile;
using Detserve.Graph.Spec;
using Detserve.Import.Model;
using Detserve.Runtime.Cuda;
using Detserve.Vision;

namespace Detserve.Runtime;

/// <summary>
/// Detectron2's DefaultPredictor for a batch of images on the CPU or one CUDA GPU: per image channel order (INPUT.FORMAT), ResizeShortestEdge with
/// Pillow's bilinear filter, normalization; the batch padded as ImageList.from_tensors; the network (GeneralizedRCNN or RetinaNet);
/// detections rescaled to each original size (detector_postprocess). On CUDA the resize stays on the host (Pillow-exact) and
/// everything after it runs on the GPU (Runtime/Cuda). Owns its CPU context or GPU detector; dispose it when done.
/// Concurrent <see cref="Run(IReadOnlyList{RgbImage}, CancellationToken)"/> calls on one instance are serialized (the CPU context
/// already uses every thread it was given); use one predictor per independent worker for parallel runs.
/// </summary>
public sealed partial class Predictor : IDisposable
{
    private readonly CpuContext? _ctx;
    private readonly IDetector? _detector;
    private readonly IGpuDetector? _device;
    private readonly Lock _runLock = new();
    private bool _disposed;

    private readonly int _maxBatch;
    private readonly ShapeBuckets? _buckets;

    private Predictor(ModelGraph model, PredictorOptions options, IReadOnlyList<string> warnings)
    {
        Model = model;
        Warnings = warnings;
        _maxBatch = options.MaxBatch;
        _buckets = options.ShapeBuckets;
    }

    private Predictor(ModelGraph model, PredictorOptions options, IReadOnlyList<string> warnings, IDetector detector, CpuContext ctx)
        : this(model, options, warnings)
    {
        _detector = detector;
        _ctx = ctx;
    }

    private Predictor(ModelGraph model, PredictorOptions options, IReadOnlyList<string> warnings, IGpuDetector device)
        : this(model, options, warnings)
    {
        _device = device;
        device.ShapeBuckets = options.ShapeBuckets;
    }

    /// <summary>The model graph (before compilation) the predictor runs.</summary>
    public ModelGraph Model { get; }

    /// <summary>Warnings from building the graph (checkpoint tensors the model does not use).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The CPU threads in use and the GEMM backend, for the CLI to print.</summary>
    public string BackendDescription => _device is not null ? _device.Description : $"cpu, {_ctx!.Threads} threads, {_ctx.GemmDescription}";

    /// <summary>The GPU detector when the predictor runs on CUDA (benchmarks and tests reach the device through it).</summary>
    internal CudaDetector? Gpu => _device as CudaDetector;

    /// <summary>The GPU RetinaNet when the predictor runs one on CUDA (tests reach the device through it).</summary>
    internal CudaRetinaNetDetector? GpuRetinaNet => _device as CudaRetinaNetDetector;

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
        CheckOptions(architecture, options);
        ModelGraph model = ModelGraphBuilder.Build(architecture, weights, out IReadOnlyList<string> unused);
        return Create(model, options, unused.Select(u => $"weight '{u}' is not used by the model").ToArray());
    }

    /// <summary>
    /// As <see cref="Create(ModelSpec, PredictorOptions)"/> from a model graph, built (<see cref="ModelGraphBuilder"/>) or already compiled
    /// (an engine file's graphs: <see cref="GraphCompiler.Compile"/> leaves a compiled graph as it is).
    /// </summary>
    /// <param name="model">The graphs and the architecture they run under.</param>
    /// <param name="options">Device, threads, precision.</param>
    /// <param name="warnings">Notes to hand on through <see cref="Warnings"/>.</param>
    public static Predictor Create(ModelGraph model, PredictorOptions options, IReadOnlyList<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArchitectureSpec architecture = model.Architecture;
        CheckOptions(architecture, options);
        warnings ??= [];
        if (CudaDeviceName.TryParse(options.Device, out int ordinal))
            return CreateCuda(model, options, ordinal, warnings);

        NetworkGraph dense = GraphCompiler.Compile(model.Dense);
        IDetector detector = architecture.MetaArchitecture switch
        {
            MetaArchitecture.GeneralizedRCNN => new GeneralizedRcnn(model, dense, GraphCompiler.Compile(model.BoxHead!),
                model.MaskHead is null ? null : GraphCompiler.Compile(model.MaskHead)),
            MetaArchitecture.RetinaNet => new RetinaNetDetector(model, dense),
            _ => throw new NotSupportedException($"MODEL.META_ARCHITECTURE {architecture.MetaArchitecture}"),
        };
        var ctx = new CpuContext(options.Threads);
        return new Predictor(model, options, warnings, detector, ctx);
    }

    private static void CheckOptions(ArchitectureSpec architecture, PredictorOptions options)
    {
        if (options.Threads < 0) throw new ArgumentOutOfRangeException(nameof(options), options.Threads, "Threads must be >= 0 (0 = all cores)");
        if (options.MaxBatch < 0) throw new ArgumentOutOfRangeException(nameof(options), options.MaxBatch, "MaxBatch must be >= 0 (0 = no limit)");
        if (CudaDeviceName.TryParse(options.Device, out _))
        {
            GpuPrecisionName.Parse(options.Precision);
            if (architecture.MetaArchitecture == MetaArchitecture.RetinaNet) CudaRetinaNetDetector.CheckSupported(architecture);
            else CudaDetector.CheckSupported(architecture);
            return;
        }
        if (!string.Equals(options.Device, "cpu", StringComparison.OrdinalIgnoreCase))
            throw new NotSupportedException($"device '{options.Device}' is not available (use \"cpu\", \"cuda\" or \"cuda:N\")");
        if (!string.Equals(options.Precision, "fp32", StringComparison.OrdinalIgnoreCase))
            throw new NotSupportedException($"precision '{options.Precision}' is not supported on the CPU (only \"fp32\"; \"fp16\" needs --device cuda)");
    }

    private static Predictor CreateCuda(ModelGraph model, PredictorOptions options, int ordinal, IReadOnlyList<string> warnings)
    {
        GpuPrecision precision = GpuPrecisionName.Parse(options.Precision);
        try
        {
            if (model.Architecture.MetaArchitecture == MetaArchitecture.RetinaNet)
                return new Predictor(model, options, warnings, CudaRetinaNetDetector.Create(model, ordinal, precision));
            return new Predictor(model, options, warnings, CudaDetector.Create(model, ordinal, precision));
        }
        catch (CudaException e) when (e.InnerException is DllNotFoundException)
        {
            // No driver on this machine: the device was asked for by name, so say which and why (the message lists the paths tried).
            throw new NotSupportedException($"device '{options.Device}': {e.Message}", e);
        }
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
        CheckBatchSize(images.Count);
        InputSpec input = Model.Architecture.Input;

        // DefaultPredictor: resize each image (on the GPU for the CUDA path: the same Pillow arithmetic, bit for bit); the network
        // then sees them as one padded batch.
        var sizes = new (int Height, int Width)[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(images[i], $"images[{i}]");
            sizes[i] = ImagePreprocessor.ResizedSize(images[i], input);
        }
        IReadOnlyList<(Detections Detections, float[]? Masks)> perImage;
        int maskResolution;
        if (_device is not null)
        {
            if (observer is not null) throw new NotSupportedException("stage observers need the CPU path (intermediate tensors stay on the GPU)");
            perImage = _device.Run(images, sizes, cancellationToken);
            maskResolution = _device.MaskResolution;
        }
        else
        {
            var resized = new RgbImage[images.Count];
            for (int i = 0; i < images.Count; i++) resized[i] = ImagePreprocessor.Resize(images[i], input);
            cancellationToken.ThrowIfCancellationRequested();
            FeatureMap batch = ImagePreprocessor.Batch(resized, input, Model.Architecture.SizeDivisibility, _buckets);
            perImage = _detector!.Forward(_ctx!, batch, sizes, observer, cancellationToken);
            maskResolution = _detector.MaskResolution;
        }

        var results = new Instances[images.Count];
        for (int i = 0; i < images.Count; i++)
            results[i] = DetectorPostprocess.Run(perImage[i].Detections, perImage[i].Masks, maskResolution,
                sizes[i].Height, sizes[i].Width, images[i].Height, images[i].Width);
        return results;
    }

    /// <summary>Refuses a batch above <see cref="PredictorOptions.MaxBatch"/>.</summary>
    private void CheckBatchSize(int count)
    {
        if (_maxBatch > 0 && count > _maxBatch)
            throw new ArgumentException($"a batch of {count} images is larger than the max batch {_maxBatch} this predictor was created with (an engine file's --max-batch)", "images");
    }

    /// <summary>Releases the CPU context, or every device resource of the GPU detector.</summary>
    public void Dispose()
    {
        lock (_runLock)
        {
            if (_disposed) return;
            _disposed = true;
            _ctx?.Dispose();
            _device?.Dispose();
        }
    }
}
