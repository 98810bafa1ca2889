namespace Detserve.Graph.Build;

/// <summary>
/// Named weights as the graph builder reads them: each lookup checks presence, dtype and shape and names the tensor and the config
/// key that implies its shape when it fails. Remembers which tensors were used so callers can list unused ones.
/// </summary>
internal sealed class WeightTable(IReadOnlyDictionary<string, HostTensor> weights)
{
    private readonly HashSet<string> _used = [];

    public IReadOnlySet<string> Used => _used;

    public float[] Get(string name, IReadOnlyList<int> shape, string impliedBy)
    {
        if (!weights.TryGetValue(name, out HostTensor? t))
            throw new GraphBuildException($"weight '{name}' is missing (expected shape [{string.Join(", ", shape)}], implied by {impliedBy})");
        if (!t.Shape.SequenceEqual(shape))
            throw new GraphBuildException($"weight '{name}' has shape {t.ShapeText}, the model needs [{string.Join(", ", shape)}] (implied by {impliedBy})");
        if (t.DType is not (DType.Float32 or DType.Float16 or DType.Float64))
            throw new GraphBuildException($"weight '{name}' is {t.DType.NumpyName()}, a floating-point tensor is needed");
        _used.Add(name);
        return t.ToFloat32();
    }
}
