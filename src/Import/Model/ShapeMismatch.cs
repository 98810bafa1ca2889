namespace Detserve.Import.Model;

/// <summary>A tensor present in the file with a shape other than the architecture needs.</summary>
/// <param name="Name">State-dict key.</param>
/// <param name="Expected">Shape the config implies.</param>
/// <param name="Actual">Shape in the file.</param>
/// <param name="ImpliedBy">Config key that decides the expected shape.</param>
/// <param name="ConfigValue">That key's value, rendered as Python would print it (null when no config was given).</param>
public sealed record ShapeMismatch(string Name, IReadOnlyList<int> Expected, IReadOnlyList<int> Actual, string ImpliedBy, string? ConfigValue);
