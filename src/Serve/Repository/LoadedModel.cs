using System.Diagnostics;
using Detserve.Serve.Core;
using Detserve.Serve.Metrics;
using Detserve.Serve.Protocol;
using Detserve.Serve.Scheduling;

namespace Detserve.Serve.Repository;

/// <summary>
/// One ready model version: its completed config, its scheduler and its statistics. Every request that
/// reaches <see cref="InferAsync"/> is counted (success or fail) and answered; <see cref="StopAsync"/>
/// refuses new requests, waits for the accepted ones, then releases the instances.
/// </summary>
public sealed class LoadedModel
{
    private readonly IModelScheduler _scheduler;
    private readonly object _gate = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;
    private bool _stopping;

    public LoadedModel(string name, long version, ModelConfig config, IModelScheduler scheduler, ModelStatisticsRecorder statistics)
    {
        Name = name;
        Version = version;
        Config = config;
        _scheduler = scheduler;
        Statistics = statistics;
    }

    public string Name { get; }

    public long Version { get; }

    /// <summary>The completed config (shared, never mutated after load).</summary>
    public ModelConfig Config { get; }

    public ModelStatisticsRecorder Statistics { get; }

    public int PendingCount => _scheduler.PendingCount;

    public async Task<InferenceResponse> InferAsync(InferenceRequest request, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            if (_stopping)
            {
                throw ServeException.Unavailable($"model '{Name}' version {Version} is unloading");
            }

            _inFlight++;
        }

        try
        {
            var versioned = request with { ModelName = Name, ModelVersion = Version.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            var scheduled = RequestValidator.Validate(versioned, Config);
            var response = await _scheduler.InferAsync(scheduled, cancellationToken).ConfigureAwait(false);
            Statistics.RecordSuccess(ElapsedNs(start));
            return response;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var error = ServeErrorMapping.ToServeException(e);
            Statistics.RecordFailure(ElapsedNs(start), error.Code);
            throw error;
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

    public async Task StopAsync()
    {
        lock (_gate)
        {
            _stopping = true;
            if (_inFlight == 0)
            {
                _drained.TrySetResult();
            }
        }

        await _drained.Task.ConfigureAwait(false);
        await _scheduler.StopAsync().ConfigureAwait(false);
    }

    private static long ElapsedNs(long start) => (long)((Stopwatch.GetTimestamp() - start) * (1e9 / Stopwatch.Frequency));
}
