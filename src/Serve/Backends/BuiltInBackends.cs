namespace Detserve.Serve.Backends;

/// <summary>The backends `detserve serve` always has.</summary>
public static class BuiltInBackends
{
    public static IReadOnlyList<IModelBackend> Create() => [];
}
