using System.Globalization;
using Detserve.Serve.Core;
using Detserve.Serve.Hosting;
using Detserve.Serve.Metrics;
using Detserve.Serve.Protocol;
using Detserve.Serve.Repository;

namespace Detserve.Serve;

/// <summary>
/// What both front ends (HTTP/REST and gRPC) serve, protocol-neutral: health, metadata, config, inference,
/// statistics and the repository extension. Answers are the Triton protobuf messages; each front end only
/// encodes them. Tracks requests in flight so shutdown can answer every accepted request first.
/// </summary>
public sealed class InferenceService
{
    /// <summary>The KServe/Triton protocol extensions this server implements (server metadata "extensions").</summary>
    public static readonly IReadOnlyList<string> Extensions =
        ["model_repository", "schedule_policy", "model_configuration", "binary_tensor_data", "parameters", "statistics"];

    private readonly ServerOptions _options;
    private readonly object _gate = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;
    private bool _stopping;

    public InferenceService(ServerOptions options, ModelRepositoryManager repository)
    {
        _options = options;
        Repository = repository;
    }

    public ModelRepositoryManager Repository { get; }

    public bool IsLive => true;

    public bool IsReady
    {
        get
        {
            lock (_gate)
            {
                return !_stopping && Repository.AllReady;
            }
        }
    }

    public int InFlight
    {
        get
        {
            lock (_gate)
            {
                return _inFlight;
            }
        }
    }

    public ServerMetadataResponse ServerMetadata()
    {
        var response = new ServerMetadataResponse { Name = _options.ServerName, Version = _options.ServerVersion };
        response.Extensions.AddRange(Extensions);
        return response;
    }

    public bool ModelReady(string name, string version)
    {
        try
        {
            _ = Repository.Resolve(name, version);
            return true;
        }
        catch (ServeException)
        {
            return false;
        }
    }

    public ModelMetadataResponse ModelMetadata(string name, string version)
    {
        var model = Repository.Resolve(name, version);
        var config = model.Config;
        var response = new ModelMetadataResponse
        {
            Name = model.Name,
            Platform = config.Platform.Length > 0 ? config.Platform : config.Backend,
        };
        response.Versions.AddRange(Repository.LoadedVersions(name).Select(v => v.Version.ToString(CultureInfo.InvariantCulture)));
        foreach (var input in config.Input)
        {
            response.Inputs.Add(Tensor(input.Name, input.DataType, input.Dims, config.MaxBatchSize));
        }

        foreach (var output in config.Output)
        {
            response.Outputs.Add(Tensor(output.Name, output.DataType, output.Dims, config.MaxBatchSize));
        }

        return response;
    }

    public ModelConfig ModelConfiguration(string name, string version) => Repository.Resolve(name, version).Config;

    /// <summary>Runs one request; rejects it as UNAVAILABLE once shutdown has begun.</summary>
    public async Task<InferenceResponse> InferAsync(InferenceRequest request, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_stopping)
            {
                throw ServeException.Unavailable("Server is stopping and accepts no new requests");
            }

            _inFlight++;
        }

        try
        {
            var model = Repository.Resolve(request.ModelName, request.ModelVersion);
            return await model.InferAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _inFlight--;
                if (_stopping && _inFlight == 0)
                {
                    _drained.TrySetResult();
                }
            }
        }
    }

    public ModelStatisticsResponse Statistics(string name, string version)
    {
        IEnumerable<LoadedModel> models;
        if (name.Length == 0)
        {
            models = Repository.AllLoaded();
        }
        else if (version.Length == 0)
        {
            models = Repository.LoadedVersions(name);
            if (!models.Any())
            {
                throw ServeException.NotFound($"requested model '{name}' is not available");
            }
        }
        else
        {
            models = [Repository.Resolve(name, version)];
        }

        var response = new ModelStatisticsResponse();
        response.ModelStats.AddRange(models.Select(m => StatisticsMessage(m.Statistics)));
        return response;
    }

    public RepositoryIndexResponse Index(bool readyOnly)
    {
        var response = new RepositoryIndexResponse();
        foreach (var entry in Repository.Index(readyOnly))
        {
            response.Models.Add(new RepositoryIndexResponse.Types.ModelIndex
            {
                Name = entry.Name,
                Version = entry.Version,
                State = entry.State == ModelState.Unknown ? string.Empty : entry.State.ToString().ToUpperInvariant(),
                Reason = entry.Reason,
            });
        }

        return response;
    }

    /// <summary>Stops accepting requests and waits (up to <paramref name="timeout"/>) for the accepted ones to be answered.</summary>
    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        lock (_gate)
        {
            _stopping = true;
            if (_inFlight == 0)
            {
                _drained.TrySetResult();
            }
        }

        var finished = await Task.WhenAny(_drained.Task, Task.Delay(timeout)).ConfigureAwait(false);
        return finished == _drained.Task;
    }

    public static ModelStatistics StatisticsMessage(ModelStatisticsRecorder recorder)
    {
        var message = new ModelStatistics
        {
            Name = recorder.ModelName,
            Version = recorder.Version.ToString(CultureInfo.InvariantCulture),
            LastInference = (ulong)recorder.LastInferenceMs,
            InferenceCount = (ulong)recorder.InferenceCount,
            ExecutionCount = (ulong)recorder.ExecutionCount,
            InferenceStats = new InferStatistics
            {
                Success = Duration(recorder.Success),
                Fail = Duration(recorder.Fail),
                Queue = Duration(recorder.Queue),
                ComputeInput = Duration(recorder.ComputeInput),
                ComputeInfer = Duration(recorder.ComputeInfer),
                ComputeOutput = Duration(recorder.ComputeOutput),
                CacheHit = new StatisticDuration(),
                CacheMiss = new StatisticDuration(),
            },
        };
        foreach (var (size, batch) in recorder.Batches.OrderBy(b => b.Key))
        {
            message.BatchStats.Add(new InferBatchStatistics
            {
                BatchSize = (ulong)size,
                ComputeInput = Duration(batch.ComputeInput),
                ComputeInfer = Duration(batch.ComputeInfer),
                ComputeOutput = Duration(batch.ComputeOutput),
            });
        }

        return message;
    }

    private static StatisticDuration Duration(StatisticDurationCounter counter) =>
        new() { Count = (ulong)counter.Count, Ns = (ulong)counter.Ns };

    private static ModelMetadataResponse.Types.TensorMetadata Tensor(string name, DataType type, IEnumerable<long> dims, int maxBatchSize)
    {
        var tensor = new ModelMetadataResponse.Types.TensorMetadata
        {
            Name = name,
            Datatype = TensorDataTypes.ToWire(TensorDataTypes.FromConfig(type, name)),
        };
        if (maxBatchSize > 0)
        {
            tensor.Shape.Add(-1);
        }

        tensor.Shape.AddRange(dims);
        return tensor;
    }
}
