namespace Detserve.Graph;

/// <summary>
/// A model graph cannot be built: a shape rule failed, a weight is missing or misshapen, or the architecture asks for something the
/// graph has no op for. The message names the node, the weight or the config key at fault.
/// </summary>
public sealed class GraphBuildException : Exception
{
    public GraphBuildException() { }

    public GraphBuildException(string message) : base(message) { }

    public GraphBuildException(string message, Exception inner) : base(message, inner) { }
}
