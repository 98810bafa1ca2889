using Detserve.Serve.Core;
using Detserve.Serve.Protocol;
using Detserve.Serve.Repository;

namespace Detserve.Serve.Scheduling;

/// <summary>
/// Runs an ensemble (platform "ensemble", ensemble_scheduling steps) as Triton's ensemble scheduler does: a
/// step starts when every ensemble tensor its input_map names exists; its outputs become ensemble tensors
/// through output_map; steps that are ready together run concurrently. Each step is an ordinary request
/// to the composing model, so it is queued, batched and counted there.
/// </summary>
public sealed class EnsembleScheduler : IModelScheduler
{
    private readonly ModelConfig _config;
    private readonly IModelResolver _resolver;
    private int _active;

    public EnsembleScheduler(ModelConfig config, IModelResolver resolver)
    {
        _config = config;
        _resolver = resolver;
    }

    public int PendingCount => Volatile.Read(ref _active);

    public async Task<InferenceResponse> InferAsync(ScheduledRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _active);
        try
        {
            var tensors = request.Request.Inputs.ToDictionary(t => t.Name);
            var remaining = _config.EnsembleScheduling.Step.ToList();
            while (remaining.Count > 0)
            {
                var ready = remaining.Where(s => s.InputMap.Values.All(tensors.ContainsKey)).ToArray();
                if (ready.Length == 0)
                {
                    var waiting = remaining.SelectMany(s => s.InputMap.Values).Where(t => !tensors.ContainsKey(t)).Distinct();
                    throw new ServeException(ServeErrorCode.Internal, $"ensemble '{_config.Name}': no step produces tensor(s) {string.Join(", ", waiting.Select(t => "'" + t + "'"))}");
                }

                var results = await Task.WhenAll(ready.Select(step => RunStepAsync(step, tensors, request.Request, cancellationToken))).ConfigureAwait(false);
                foreach (var (step, response) in ready.Zip(results))
                {
                    foreach (var output in response.Outputs)
                    {
                        tensors[step.OutputMap[output.Name]] = output with { Name = step.OutputMap[output.Name] };
                    }

                    remaining.Remove(step);
                }
            }

            IEnumerable<string> names = request.Request.RequestedOutputs.Count > 0
                ? request.Request.RequestedOutputs.Select(o => o.Name)
                : _config.Output.Select(o => o.Name);
            var outputs = names.Select(n => tensors.TryGetValue(n, out var t)
                ? t
                : throw new ServeException(ServeErrorCode.Internal, $"ensemble '{_config.Name}' produced no tensor '{n}'")).ToArray();
            return new InferenceResponse(request.Request.ModelName, request.Request.ModelVersion, request.Request.Id, outputs);
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }

    public Task StopAsync() => Task.CompletedTask;

    private async Task<InferenceResponse> RunStepAsync(ModelEnsembling.Types.Step step, Dictionary<string, InferTensor> tensors, InferenceRequest parent, CancellationToken cancellationToken)
    {
        LoadedModel model;
        try
        {
            model = _resolver.Resolve(step.ModelName, step.ModelVersion <= 0 ? string.Empty : step.ModelVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (ServeException e)
        {
            throw ServeException.Unavailable($"ensemble '{_config.Name}' depends on '{step.ModelName}', which is not available: {e.Message}");
        }

        var inputs = step.InputMap.Select(m => tensors[m.Value] with { Name = m.Key }).ToArray();
        var outputs = step.OutputMap.Keys.Select(name => new RequestedOutput(name)).ToArray();
        var stepRequest = new InferenceRequest(model.Name, string.Empty, parent.Id, inputs, outputs, parent.Parameters);
        return await model.InferAsync(stepRequest, cancellationToken).ConfigureAwait(false);
    }
}
