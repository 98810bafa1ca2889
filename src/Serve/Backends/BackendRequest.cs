using Detserve.Serve.Core;

namespace Detserve.Serve.Backends;

/// <summary>
/// One request inside a batch: validated inputs (shapes include the batch dimension when the model batches)
/// and the outputs to produce (empty: all).
/// </summary>
public sealed record BackendRequest(IReadOnlyList<InferTensor> Inputs, IReadOnlySet<string> RequestedOutputs)
{
    public InferTensor Input(string name)
    {
        foreach (var input in Inputs)
        {
            if (input.Name == name)
            {
                return input;
            }
        }

        throw ServeException.InvalidArgument($"missing input '{name}'");
    }

    public bool Wants(string output) => RequestedOutputs.Count == 0 || RequestedOutputs.Contains(output);
}
