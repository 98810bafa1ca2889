using Detserve.Serve.Core;

namespace Detserve.Serve.Scheduling;

/// <summary>A request that passed validation against its model's config: its batch size (1 when the model does not batch) and the output names to produce.</summary>
public sealed record ScheduledRequest(InferenceRequest Request, long BatchSize, IReadOnlySet<string> RequestedOutputs);
