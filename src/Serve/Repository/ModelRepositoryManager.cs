using System.Collections.Immutable;
using System.Globalization;
using Detserve.Serve.Backends;
using Detserve.Serve.Core;
using Detserve.Serve.Hosting;
using Detserve.Serve.Metrics;
using Detserve.Serve.Protocol;
using Detserve.Serve.Scheduling;
using Microsoft.Extensions.Logging;

namespace Detserve.Serve.Repository;

/// <summary>
/// The model repository of a running server (Triton's model_repository_manager): loads model folders into
/// <see cref="LoadedModel"/>s per version policy, and follows the control mode: "none" loads everything at
/// start and refuses load/unload; "explicit" loads the --load-model names (or "*") and obeys load/unload;
/// "poll" loads everything and reloads changed, adds new and unloads removed folders every poll interval.
/// Readers see an immutable snapshot; loads and unloads are serialized.
/// </summary>
public sealed class ModelRepositoryManager : IModelResolver
{
    private readonly ServerOptions _options;
    private readonly IReadOnlyDictionary<string, IModelBackend> _backends;
    private readonly ModelConfigLoader _configLoader;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _mutation = new(1, 1);
    private volatile ImmutableDictionary<string, ModelEntry> _models = ImmutableDictionary<string, ModelEntry>.Empty.WithComparers(StringComparer.Ordinal);

    public ModelRepositoryManager(ServerOptions options, IReadOnlyDictionary<string, IModelBackend> backends, ILogger logger)
    {
        _options = options;
        _backends = backends;
        _logger = logger;
        // Triton finds the GPUs once at start; KIND_AUTO becomes KIND_GPU only when one is really there.
        Gpus = options.GpuDeviceIds is { } ids ? GpuInventory.FromIds(ids) : (options.GpuProbe ?? new CudaGpuProbe()).Detect();
        _configLoader = new ModelConfigLoader(backends, Gpus.DeviceIds, options.StrictModelConfig, Gpus.NoGpuReason);
        if (!Directory.Exists(options.ModelRepository))
        {
            throw ServeException.InvalidArgument($"model repository {options.ModelRepository} does not exist");
        }
    }

    public ModelControlMode Mode => _options.ModelControlMode;

    /// <summary>The GPUs found at start (empty, with the reason, on a CPU-only machine).</summary>
    public GpuInventory Gpus { get; }

    /// <summary>Loads the start-up set: every folder (modes none and poll), or --load-model names ("*" = all) in explicit mode.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var names = Mode == ModelControlMode.Explicit && !_options.LoadModels.Contains("*")
            ? _options.LoadModels
            : ModelFolderNames();
        foreach (var name in names)
        {
            await LoadCoreAsync(name, throwOnError: Mode == ModelControlMode.Explicit, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>True when every model folder the mode loads is ready (the server-ready probe).</summary>
    public bool AllReady => _models.Values.All(m => m.State == ModelState.Ready || (m.State == ModelState.Unavailable && m.Reason == "unloaded"));

    public LoadedModel Resolve(string name, string version)
    {
        if (!_models.TryGetValue(name, out var entry) || entry.Versions.Count == 0)
        {
            throw ServeException.NotFound($"Request for unknown model: '{name}' is not found");
        }

        if (version.Length == 0 || version == "-1")
        {
            return entry.Versions[entry.Versions.Keys.Max()];
        }

        if (!long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw ServeException.InvalidArgument($"Request for model '{name}': version '{version}' is not a number");
        }

        return entry.Versions.TryGetValue(number, out var model)
            ? model
            : throw ServeException.NotFound($"Request for unknown model: '{name}' version {version} is not found");
    }

    /// <summary>Versions of a model that are loaded (newest last); empty when the model is not loaded.</summary>
    public IReadOnlyList<LoadedModel> LoadedVersions(string name) =>
        _models.TryGetValue(name, out var entry) ? entry.Versions.OrderBy(v => v.Key).Select(v => v.Value).ToArray() : [];

    public IReadOnlyList<LoadedModel> AllLoaded() =>
        _models.Values.OrderBy(e => e.Name, StringComparer.Ordinal).SelectMany(e => e.Versions.OrderBy(v => v.Key).Select(v => v.Value)).ToArray();

    /// <summary>The repository index: every model folder, each loaded version as its own row.</summary>
    public IReadOnlyList<ModelIndexEntry> Index(bool readyOnly)
    {
        var rows = new List<ModelIndexEntry>();
        var models = _models;
        foreach (var name in ModelFolderNames().Union(models.Keys).Order(StringComparer.Ordinal))
        {
            if (!models.TryGetValue(name, out var entry))
            {
                if (!readyOnly)
                {
                    rows.Add(new ModelIndexEntry(name, string.Empty, ModelState.Unknown, string.Empty));
                }

                continue;
            }

            if (entry.Versions.Count == 0)
            {
                if (!readyOnly)
                {
                    rows.Add(new ModelIndexEntry(name, string.Empty, entry.State, entry.Reason));
                }

                continue;
            }

            foreach (var version in entry.Versions.Keys.Order())
            {
                rows.Add(new ModelIndexEntry(name, version.ToString(CultureInfo.InvariantCulture), entry.State, entry.Reason));
            }
        }

        return rows;
    }

    public async Task LoadAsync(string name, CancellationToken cancellationToken)
    {
        RequireExplicit();
        await LoadCoreAsync(name, throwOnError: true, cancellationToken).ConfigureAwait(false);
    }

    public async Task UnloadAsync(string name, CancellationToken cancellationToken)
    {
        RequireExplicit();
        if (!_models.ContainsKey(name) && !ModelFolderNames().Contains(name))
        {
            throw ServeException.NotFound($"failed to unload '{name}', no version is available");
        }

        await UnloadCoreAsync(name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One poll-mode pass: reload changed folders, load new ones, unload removed ones.</summary>
    public async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        var folders = ModelFolderNames().ToHashSet(StringComparer.Ordinal);
        foreach (var name in _models.Keys.Where(n => !folders.Contains(n)).ToArray())
        {
            await UnloadCoreAsync(name, cancellationToken).ConfigureAwait(false);
            await _mutation.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                _models = _models.Remove(name);
            }
            finally
            {
                _mutation.Release();
            }
        }

        foreach (var name in folders.Order(StringComparer.Ordinal))
        {
            var fingerprint = ModelDirectory.Scan(Path.Combine(_options.ModelRepository, name)).Fingerprint();
            if (!_models.TryGetValue(name, out var entry) || entry.Fingerprint != fingerprint)
            {
                await LoadCoreAsync(name, throwOnError: false, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task RunPollingAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, _options.RepositoryPollSeconds)));
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await PollOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ServeException)
            {
                Log.PollFailed(_logger, e.Message);
            }
        }
    }

    /// <summary>Unloads every model, answering every request already accepted.</summary>
    public async Task StopAsync()
    {
        foreach (var name in _models.Keys.ToArray())
        {
            await UnloadCoreAsync(name, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private void RequireExplicit()
    {
        if (Mode != ModelControlMode.Explicit)
        {
            throw ServeException.Unavailable("explicit model load / unload is not allowed if polling is enabled");
        }
    }

    private IEnumerable<string> ModelFolderNames() =>
        Directory.EnumerateDirectories(_options.ModelRepository)
            .Select(Path.GetFileName)
            .Where(n => n is not null && !n.StartsWith('.'))
            .Select(n => n!)
            .Order(StringComparer.Ordinal)
            .ToArray();

    private async Task LoadCoreAsync(string name, bool throwOnError, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_options.ModelRepository, name);
        if (name.Length == 0 || name.Contains('/') || name.Contains('\\') || name is "." or ".." || !Directory.Exists(path))
        {
            var error = ServeException.InvalidArgument($"failed to load '{name}', failed to poll from model repository");
            if (throwOnError)
            {
                throw error;
            }

            return;
        }

        await _mutation.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var directory = ModelDirectory.Scan(path);
            var fingerprint = directory.Fingerprint();
            _models.TryGetValue(name, out var previous);
            _models = _models.SetItem(name, new ModelEntry(name, ModelState.Loading, string.Empty, previous?.Versions ?? ImmutableDictionary<long, LoadedModel>.Empty, fingerprint));
            Dictionary<long, LoadedModel> loaded;
            try
            {
                loaded = await Task.Run(() => LoadVersions(directory), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                var error = ServeErrorMapping.ToServeException(e);
                Log.ModelLoadFailed(_logger, name, error.Message);
                _models = _models.SetItem(name, new ModelEntry(name, ModelState.Unavailable, error.Message, previous?.Versions ?? ImmutableDictionary<long, LoadedModel>.Empty, fingerprint));
                if (previous is { Versions.Count: > 0 })
                {
                    // A failed reload keeps serving the versions that were loaded (Triton keeps the old ones too).
                    _models = _models.SetItem(name, previous with { Fingerprint = fingerprint });
                }

                if (throwOnError)
                {
                    throw new ServeException(error.Code == ServeErrorCode.Internal ? ServeErrorCode.Internal : ServeErrorCode.InvalidArgument, $"load failed for model '{name}': {error.Message}", error);
                }

                return;
            }

            _models = _models.SetItem(name, new ModelEntry(name, ModelState.Ready, string.Empty, loaded.ToImmutableDictionary(), fingerprint));
            if (previous is not null)
            {
                foreach (var old in previous.Versions.Values)
                {
                    await old.StopAsync().ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _mutation.Release();
        }
    }

    private async Task UnloadCoreAsync(string name, CancellationToken cancellationToken)
    {
        await _mutation.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_models.TryGetValue(name, out var entry))
            {
                _models = _models.SetItem(name, new ModelEntry(name, ModelState.Unavailable, "unloaded", ImmutableDictionary<long, LoadedModel>.Empty, string.Empty));
                return;
            }

            _models = _models.SetItem(name, entry with { State = ModelState.Unloading, Versions = ImmutableDictionary<long, LoadedModel>.Empty });
            foreach (var model in entry.Versions.Values)
            {
                await model.StopAsync().ConfigureAwait(false);
                Log.ModelUnloaded(_logger, name, model.Version);
            }

            _models = _models.SetItem(name, new ModelEntry(name, ModelState.Unavailable, "unloaded", ImmutableDictionary<long, LoadedModel>.Empty, string.Empty));
        }
        finally
        {
            _mutation.Release();
        }
    }

    /// <summary>Reads the config and brings up every selected version: instances created, warmed up, scheduler started.</summary>
    private Dictionary<long, LoadedModel> LoadVersions(ModelDirectory directory)
    {
        var (config, backend) = _configLoader.Load(directory);
        var versions = VersionPolicy.Select(directory.Name, directory.Versions.Keys.ToArray(), config.VersionPolicy);
        if (versions.Count == 0)
        {
            throw ServeException.InvalidArgument($"model '{directory.Name}' has no version folder to load in {directory.Path}");
        }

        var loaded = new Dictionary<long, LoadedModel>();
        try
        {
            foreach (var version in versions)
            {
                var statistics = new ModelStatisticsRecorder(directory.Name, version);
                IModelScheduler scheduler;
                var instanceCount = 0;
                if (backend is null)
                {
                    scheduler = new EnsembleScheduler(config, this);
                }
                else
                {
                    var instances = CreateInstances(config, backend, directory, version);
                    instanceCount = instances.Count;
                    scheduler = new BatchingScheduler(directory.Name, BatchingPolicy.FromConfig(config), instances, statistics);
                }

                loaded[version] = new LoadedModel(directory.Name, version, config, scheduler, statistics);
                Log.ModelLoaded(_logger, directory.Name, version, instanceCount);
            }
        }
        catch
        {
            foreach (var model in loaded.Values)
            {
                _ = model.StopAsync();
            }

            throw;
        }

        return loaded;
    }

    private List<(string Name, IModelInstance Instance)> CreateInstances(ModelConfig config, IModelBackend backend, ModelDirectory directory, long version)
    {
        var instances = new List<(string, IModelInstance)>();
        var warmups = WarmupRequests.Build(config, directory.Path);
        try
        {
            foreach (var group in config.InstanceGroup)
            {
                IReadOnlyList<int> devices = group.Kind == ModelInstanceGroup.Types.Kind.Gpu ? group.Gpus : [-1];
                foreach (var device in devices)
                {
                    for (var i = 0; i < group.Count; i++)
                    {
                        var instanceName = device >= 0 ? $"{group.Name}_{i}_gpu{device}" : $"{group.Name}_{i}";
                        var context = new ModelInstanceContext(config, directory.Name, version, directory.Versions[version], instanceName, group.Kind, device);
                        var instance = backend.CreateInstance(context);
                        instances.Add((instanceName, instance));
                        Warmup(instance, warmups, instanceName);
                    }
                }
            }
        }
        catch
        {
            foreach (var (_, instance) in instances)
            {
                instance.Dispose();
            }

            throw;
        }

        return instances;
    }

    private static void Warmup(IModelInstance instance, IReadOnlyList<(string Name, BackendRequest Request, int Count)> warmups, string instanceName)
    {
        foreach (var (name, request, count) in warmups)
        {
            for (var i = 0; i < count; i++)
            {
                var responses = instance.Execute([request], new ExecutionTimer(), CancellationToken.None);
                if (responses.Count != 1 || responses[0].Error is { } error)
                {
                    var message = responses.Count == 1 ? responses[0].Error!.Message : $"{responses.Count} responses";
                    throw new ServeException(ServeErrorCode.Internal, $"warmup '{name}' failed on instance '{instanceName}': {message}");
                }
            }
        }
    }
}
