using Detserve.Serve.Backends;
using Detserve.Serve.Core;
using Detserve.Serve.Protocol;
using Detserve.Serve.TextFormat;

namespace Detserve.Serve.Repository;

/// <summary>
/// Reads a model's config.pbtxt and completes it the way Triton does before loading
/// (model_config_utils.cc GetNormalizedModelConfig and the backends' auto-complete): the name defaults to
/// the folder, the backend is found from the version folder's files when the config names none, the backend
/// fills in inputs/outputs/max_batch_size, version policy defaults to latest 1, and an empty instance_group
/// becomes one instance per GPU (or one CPU instance). Then it checks what the scheduler relies on.
/// </summary>
public sealed class ModelConfigLoader
{
    private readonly IReadOnlyDictionary<string, IModelBackend> _backends;
    private readonly IReadOnlyList<int> _gpus;
    private readonly bool _strict;
    private readonly string? _noGpuReason;

    /// <param name="gpus">CUDA ordinals KIND_GPU groups may use (and KIND_AUTO becomes KIND_GPU with).</param>
    /// <param name="noGpuReason">Why <paramref name="gpus"/> is empty (e.g. no CUDA driver), for the load error of a KIND_GPU model.</param>
    public ModelConfigLoader(IReadOnlyDictionary<string, IModelBackend> backends, IReadOnlyList<int> gpus, bool strict, string? noGpuReason = null)
    {
        _backends = backends;
        _gpus = gpus;
        _strict = strict;
        _noGpuReason = noGpuReason;
    }

    public (ModelConfig Config, IModelBackend? Backend) Load(ModelDirectory model)
    {
        ModelConfig config;
        if (File.Exists(model.ConfigPath))
        {
            config = TextFormatParser.ParseFile<ModelConfig>(model.ConfigPath);
        }
        else if (_strict)
        {
            throw ServeException.InvalidArgument($"model '{model.Name}': {model.ConfigPath} is missing and strict model config is on");
        }
        else
        {
            config = new ModelConfig();
        }

        if (config.Name.Length == 0)
        {
            config.Name = model.Name;
        }
        else if (config.Name != model.Name)
        {
            throw ServeException.InvalidArgument($"{model.ConfigPath}: model name '{config.Name}' does not match its folder name '{model.Name}'");
        }

        IModelBackend? backend = null;
        if (config.Platform == "ensemble")
        {
            if (config.SchedulingChoiceCase != ModelConfig.SchedulingChoiceOneofCase.EnsembleScheduling || config.EnsembleScheduling.Step.Count == 0)
            {
                throw ServeException.InvalidArgument($"{model.ConfigPath}: ensemble '{model.Name}' needs ensemble_scheduling with at least one step");
            }
        }
        else
        {
            var latest = model.Versions.Count > 0 ? model.Versions[model.Versions.Keys.Max()] : null;
            if (config.Backend.Length == 0)
            {
                backend = latest is null ? null : _backends.Values.FirstOrDefault(b => b.Recognizes(latest));
                if (backend is null)
                {
                    throw ServeException.InvalidArgument($"model '{model.Name}': config names no backend and no backend recognizes the files of its latest version folder");
                }

                config.Backend = backend.Name;
            }
            else if (!_backends.TryGetValue(config.Backend, out backend))
            {
                throw new ServeException(ServeErrorCode.Unsupported, $"model '{model.Name}': unknown backend '{config.Backend}' (available: {string.Join(", ", _backends.Keys)})");
            }

            if (latest is null)
            {
                throw ServeException.InvalidArgument($"model '{model.Name}': no version folders (numeric subfolders) in {model.Path}");
            }

            backend.AutoCompleteConfig(config, latest);
        }

        config.VersionPolicy ??= new ModelVersionPolicy { Latest = new ModelVersionPolicy.Types.Latest { NumVersions = 1 } };
        CompleteInstanceGroups(config);
        Validate(config, model);
        return (config, backend);
    }

    private void CompleteInstanceGroups(ModelConfig config)
    {
        if (config.Platform == "ensemble")
        {
            return;
        }

        if (config.InstanceGroup.Count == 0)
        {
            config.InstanceGroup.Add(new ModelInstanceGroup());
        }

        for (var i = 0; i < config.InstanceGroup.Count; i++)
        {
            var group = config.InstanceGroup[i];
            if (group.Name.Length == 0)
            {
                group.Name = config.InstanceGroup.Count == 1 ? config.Name : $"{config.Name}_{i}";
            }

            if (group.Count == 0)
            {
                group.Count = 1;
            }

            if (group.Kind == ModelInstanceGroup.Types.Kind.Auto)
            {
                group.Kind = _gpus.Count > 0 ? ModelInstanceGroup.Types.Kind.Gpu : ModelInstanceGroup.Types.Kind.Cpu;
            }

            if (group.Kind == ModelInstanceGroup.Types.Kind.Gpu && group.Gpus.Count == 0)
            {
                group.Gpus.AddRange(_gpus);
            }
        }
    }

    private void Validate(ModelConfig config, ModelDirectory model)
    {
        var where = model.ConfigPath;
        if (config.MaxBatchSize < 0)
        {
            throw ServeException.InvalidArgument($"{where}: max_batch_size must be >= 0, got {config.MaxBatchSize}");
        }

        if (config.Input.Count == 0 || config.Output.Count == 0)
        {
            throw ServeException.InvalidArgument($"{where}: model '{config.Name}' must declare at least one input and one output");
        }

        CheckTensors(where, "input", config.Input.Select(i => (i.Name, i.DataType, (IReadOnlyList<long>)i.Dims)));
        CheckTensors(where, "output", config.Output.Select(o => (o.Name, o.DataType, (IReadOnlyList<long>)o.Dims)));

        if (config.SchedulingChoiceCase == ModelConfig.SchedulingChoiceOneofCase.DynamicBatching)
        {
            foreach (var size in config.DynamicBatching.PreferredBatchSize)
            {
                if (size < 1 || size > config.MaxBatchSize)
                {
                    throw ServeException.InvalidArgument($"{where}: dynamic_batching preferred_batch_size {size} must be in [1, max_batch_size={config.MaxBatchSize}]");
                }
            }
        }
        else if (config.SchedulingChoiceCase == ModelConfig.SchedulingChoiceOneofCase.SequenceBatching)
        {
            throw new ServeException(ServeErrorCode.Unsupported, $"{where}: sequence_batching is not supported by Detserve");
        }

        foreach (var group in config.InstanceGroup)
        {
            if (group.Count < 1)
            {
                throw ServeException.InvalidArgument($"{where}: instance_group '{group.Name}' count must be >= 1");
            }

            if (group.Kind == ModelInstanceGroup.Types.Kind.Gpu)
            {
                if (group.Gpus.Count == 0)
                {
                    throw ServeException.InvalidArgument($"{where}: instance_group '{group.Name}' is KIND_GPU but no GPU is available{NoGpuSuffix()}");
                }

                foreach (var gpu in group.Gpus)
                {
                    if (!_gpus.Contains(gpu))
                    {
                        // Triton: "instance group ... specifies invalid or unsupported gpu id N. GPUs with at least the minimum
                        // required CUDA compute compatibility of ... are: ..." (model_config_utils.cc ValidateInstanceGroup).
                        var available = _gpus.Count == 0 ? $"none{NoGpuSuffix()}" : string.Join(", ", _gpus);
                        throw ServeException.InvalidArgument($"{where}: instance_group '{group.Name}' specifies invalid or unsupported gpu id {gpu}; GPUs available: {available}");
                    }
                }
            }
            else if (group.Kind != ModelInstanceGroup.Types.Kind.Cpu)
            {
                throw new ServeException(ServeErrorCode.Unsupported, $"{where}: instance_group '{group.Name}' kind {group.Kind} is not supported");
            }
        }

        if (config.Platform == "ensemble")
        {
            var available = config.Input.Select(i => i.Name).ToHashSet();
            foreach (var step in config.EnsembleScheduling.Step)
            {
                if (step.ModelName.Length == 0 || step.InputMap.Count == 0 || step.OutputMap.Count == 0)
                {
                    throw ServeException.InvalidArgument($"{where}: every ensemble step needs model_name, input_map and output_map");
                }

                available.UnionWith(step.OutputMap.Values);
            }

            foreach (var step in config.EnsembleScheduling.Step)
            {
                foreach (var tensor in step.InputMap.Values.Where(t => !available.Contains(t)))
                {
                    throw ServeException.InvalidArgument($"{where}: ensemble step '{step.ModelName}' reads tensor '{tensor}' that is neither an ensemble input nor a step output");
                }
            }

            foreach (var output in config.Output.Where(o => !available.Contains(o.Name)))
            {
                throw ServeException.InvalidArgument($"{where}: ensemble output '{output.Name}' is produced by no step");
            }
        }
    }

    private string NoGpuSuffix() => _noGpuReason is null ? string.Empty : $" ({_noGpuReason})";

    private static void CheckTensors(string where, string kind, IEnumerable<(string Name, DataType Type, IReadOnlyList<long> Dims)> tensors)
    {
        var names = new HashSet<string>();
        foreach (var (name, type, dims) in tensors)
        {
            if (name.Length == 0 || !names.Add(name))
            {
                throw ServeException.InvalidArgument($"{where}: {kind} names must be non-empty and unique ('{name}')");
            }

            _ = TensorDataTypes.FromConfig(type, $"{where}: {kind} '{name}'");
            if (dims.Any(d => d < -1))
            {
                throw ServeException.InvalidArgument($"{where}: {kind} '{name}' has invalid dims {Shapes.Format(dims)}");
            }
        }
    }
}
