namespace Detserve.Graph;

/// <summary>
/// A dataflow graph of <see cref="Node"/>s in topological order (every node's inputs come before it), with named inputs and outputs.
/// Built by <see cref="NetworkBuilder"/>, which checks every shape rule; the graph itself computes nothing.
/// </summary>
public sealed class NetworkGraph
{
    internal NetworkGraph(IReadOnlyList<Node> nodes, IReadOnlyDictionary<string, int> inputs, IReadOnlyDictionary<string, int> outputs)
    {
        Nodes = nodes;
        Inputs = inputs;
        Outputs = outputs;
    }

    /// <summary>All nodes; <c>Nodes[i].Id == i</c> and inputs precede their consumers.</summary>
    public IReadOnlyList<Node> Nodes { get; }

    /// <summary>Input name to node id.</summary>
    public IReadOnlyDictionary<string, int> Inputs { get; }

    /// <summary>Output name ("p2", "rpn_objectness_p2", "cls_logits", ...) to node id, in the order they were declared.</summary>
    public IReadOnlyDictionary<string, int> Outputs { get; }

    /// <summary>Number of nodes of each kind, for inspect output and tests.</summary>
    public IReadOnlyDictionary<OpKind, int> CountByOp()
    {
        var counts = new SortedDictionary<OpKind, int>();
        foreach (Node n in Nodes) counts[n.Op] = counts.GetValueOrDefault(n.Op) + 1;
        return counts;
    }

    /// <summary>The node producing output <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">no such output; the message lists the outputs there are.</exception>
    public Node Output(string name) =>
        Outputs.TryGetValue(name, out int id)
            ? Nodes[id]
            : throw new KeyNotFoundException($"graph has no output '{name}' (outputs: {string.Join(", ", Outputs.Keys)})");
}
