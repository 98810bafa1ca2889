namespace Detserve.Import.Config;

/// <summary>
/// What one <see cref="ConfigLoader.LoadFile(string, IReadOnlyList{string}?)"/> call has consumed so far across its whole
/// <c>_BASE_</c> graph: files read and YAML nodes built. Shared by every file of the graph, so that a diamond of bases
/// (a.yaml listing b.yaml twice, b.yaml listing c.yaml twice, ...) cannot multiply the work without bound.
/// </summary>
internal sealed class LoadBudget
{
    public int Files { get; set; }

    public int Nodes { get; set; }
}
