namespace Detserve.Serve.Core;

/// <summary>The answer to one <see cref="InferenceRequest"/>: the resolved model version and the requested outputs in order.</summary>
public sealed record InferenceResponse(string ModelName, string ModelVersion, string Id, IReadOnlyList<InferTensor> Outputs);
