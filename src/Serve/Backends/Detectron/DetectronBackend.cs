using Detserve.Import;
using Detserve.Import.Config;
using Detserve.Import.Model;
using Detserve.Runtime;
using Detserve.Runtime.Engine;
using Detserve.Serve.Core;
using Detserve.Serve.Protocol;

namespace Detserve.Serve.Backends.Detectron;

/// <summary>
/// backend: "detserve" — a Detectron2 model (config + weights, or an engine from detserve build) run by <see cref="Predictor"/>. Auto-complete fills
/// in the raw tensors of TensorRT's detectron2 sample (see <see cref="DetectionTensorNames"/>), marks input_tensor
/// allow_ragged_batch (a batch may mix image sizes: the predictor pads as ImageList.from_tensors), and sets
/// max_batch_size 8 (an engine's own max batch) when the config gives neither inputs nor a batch size; a max_batch_size above an
/// engine's is refused. Parameters: "threads" (per CPU instance, 0 = all cores), "precision" (fp32, or fp16 on KIND_GPU; default an
/// engine's own on KIND_GPU, else fp32), "shape_buckets" ("800x1344,1344x1344": batches padded up to one of these sizes, so a GPU
/// instance keeps one CUDA graph per bucket and batch size; default an engine's own), and Detectron2 config keys as overrides. A KIND_GPU instance on gpu N runs on cuda:N.
/// </summary>
public sealed class DetectronBackend : IModelBackend
{
    public const string BackendName = "detserve";

    public string Name => BackendName;

    public bool Recognizes(string versionDirectory) => DetectronModelFiles.Present(versionDirectory);

    public void AutoCompleteConfig(ModelConfig config, string versionDirectory)
    {
        var files = DetectronModelFiles.Resolve(config, versionDirectory);
        bool maskOn;
        EngineInfo? engine = null;
        try
        {
            if (files.EnginePath is not null)
            {
                engine = EngineFile.ReadInfo(files.EnginePath);
                maskOn = engine.MaskOn;
            }
            else
            {
                var cfg = ConfigLoader.LoadFile(files.ConfigPath!, files.Opts);
                maskOn = cfg.GetBool("MODEL.MASK_ON") && cfg.GetString("MODEL.META_ARCHITECTURE") == "GeneralizedRCNN";
            }
        }
        catch (Exception e) when (e is ImportException or EngineException)
        {
            throw ServeException.InvalidArgument($"model '{config.Name}': {e.Message}");
        }

        if (config.Input.Count == 0 && config.MaxBatchSize == 0)
        {
            config.MaxBatchSize = engine?.MaxBatch ?? 8;
        }

        if (engine is not null && config.MaxBatchSize > engine.MaxBatch)
        {
            throw ServeException.InvalidArgument($"model '{config.Name}': max_batch_size {config.MaxBatchSize} is larger than the engine's max batch {engine.MaxBatch} ({files.EnginePath}); rebuild it with detserve build --max-batch {config.MaxBatchSize}");
        }

        if (config.Input.Count == 0)
        {
            config.Input.Add(new ModelInput
            {
                Name = DetectionTensorNames.Input,
                DataType = DataType.TypeUint8,
                Format = ModelInput.Types.Format.Nhwc,
                Dims = { -1, -1, 3 },
                AllowRaggedBatch = true,
            });
        }

        if (config.Output.Count == 0)
        {
            config.Output.Add(new ModelOutput { Name = DetectionTensorNames.NumDetections, DataType = DataType.TypeInt32, Dims = { 1 } });
            config.Output.Add(new ModelOutput { Name = DetectionTensorNames.Boxes, DataType = DataType.TypeFp32, Dims = { -1, 4 } });
            config.Output.Add(new ModelOutput { Name = DetectionTensorNames.Scores, DataType = DataType.TypeFp32, Dims = { -1 } });
            config.Output.Add(new ModelOutput { Name = DetectionTensorNames.Classes, DataType = DataType.TypeInt32, Dims = { -1 } });
            if (maskOn)
            {
                config.Output.Add(new ModelOutput { Name = DetectionTensorNames.Masks, DataType = DataType.TypeFp32, Dims = { -1, 28, 28 } });
                config.Output.Add(new ModelOutput { Name = DetectionTensorNames.PastedMasks, DataType = DataType.TypeUint8, Dims = { -1, -1, -1 } });
            }
        }

        var input = config.Input.FirstOrDefault(i => i.Name == DetectionTensorNames.Input);
        if (config.Input.Count != 1 || input is null || input.DataType != DataType.TypeUint8 || input.Dims.Count != 3 || input.Dims[2] != 3)
        {
            throw ServeException.InvalidArgument($"model '{config.Name}': a detserve model has one input '{DetectionTensorNames.Input}' of TYPE_UINT8 with dims [ -1, -1, 3 ]");
        }

        if (config.MaxBatchSize == 0)
        {
            throw ServeException.InvalidArgument($"model '{config.Name}': a detserve model batches images; set max_batch_size >= 1");
        }
    }

    public IModelInstance CreateInstance(ModelInstanceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var files = DetectronModelFiles.Resolve(context.Config, context.VersionDirectory);
        var options = PredictorOptionsFor(context);
        try
        {
            Predictor predictor;
            if (files.EnginePath is not null)
            {
                var engine = EngineFile.Load(files.EnginePath, files.Opts);
                options = PredictorOptionsFor(context, engine.Info.Precision, engine.Info.ShapeBuckets) with { MaxBatch = engine.Info.MaxBatch };
                predictor = Predictor.Create(engine.Model, options);
            }
            else
            {
                var spec = ModelLoader.Load(files.ConfigPath!, files.WeightsPath, files.Opts);
                predictor = Predictor.Create(spec, options);
            }

            return new DetectronInstance(predictor, context.InstanceName);
        }
        catch (Exception e) when (e is ImportException or EngineException or NotSupportedException or ArgumentException)
        {
            throw ServeException.InvalidArgument($"model '{context.ModelName}' instance '{context.InstanceName}': {e.Message}");
        }
        catch (Exception e) when (IsCudaError(e))
        {
            // No driver, no such device, out of device memory: the GPU is not there for this instance (Triton reports a model
            // whose GPU instance cannot be created as UNAVAILABLE with the reason).
            throw ServeException.Unavailable($"model '{context.ModelName}' instance '{context.InstanceName}' on {options.Device}: {e.Message}");
        }
    }

    /// <summary>
    /// Where and how an instance runs: KIND_GPU on gpu N is <c>cuda:N</c>, else the CPU; precision from the "precision" parameter
    /// (default: <paramref name="enginePrecision"/> on a GPU, else fp32; fp16 on GPUs only), CPU threads from "threads" (0 = all cores).
    /// </summary>
    internal static PredictorOptions PredictorOptionsFor(ModelInstanceContext context, string? enginePrecision = null, string? engineBuckets = null)
    {
        var config = context.Config;
        var where = $"model '{context.ModelName}' instance '{context.InstanceName}'";
        var threads = 0;
        if (DetectronModelFiles.Parameter(config, "threads") is { } t
            && (!int.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out threads) || threads < 0))
        {
            throw ServeException.InvalidArgument($"{where}: parameter threads '{t}' must be a non-negative integer (0 = all cores)");
        }

        var gpu = context.Kind == ModelInstanceGroup.Types.Kind.Gpu;
        var precision = DetectronModelFiles.Parameter(config, "precision") ?? (gpu ? enginePrecision : null) ?? "fp32";
        if (precision is not ("fp32" or "fp16"))
        {
            throw ServeException.InvalidArgument($"{where}: parameter precision '{precision}' must be fp32 or fp16");
        }

        if (precision == "fp16" && !gpu)
        {
            throw ServeException.InvalidArgument($"{where}: parameter precision 'fp16' needs a KIND_GPU instance group (the CPU engine computes in fp32)");
        }

        ShapeBuckets? buckets = null;
        if ((DetectronModelFiles.Parameter(config, "shape_buckets") ?? engineBuckets) is { } b)
        {
            try
            {
                buckets = ShapeBuckets.Parse(b);
            }
            catch (FormatException e)
            {
                throw ServeException.InvalidArgument($"{where}: parameter shape_buckets: {e.Message}");
            }
        }

        var device = gpu ? $"cuda:{context.DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "cpu";
        return new PredictorOptions(device, threads, precision, ShapeBuckets: buckets);
    }

    /// <summary>Errors of the CUDA backend and the runtime's GPU path (their exceptions live in Detserve.Backends.Cuda / Detserve.Runtime.Cuda).</summary>
    private static bool IsCudaError(Exception e) =>
        e.GetType().Namespace is "Detserve.Backends.Cuda" or "Detserve.Runtime.Cuda" || e is DllNotFoundException;
}
