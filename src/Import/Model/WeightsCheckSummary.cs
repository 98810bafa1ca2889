namespace Detserve.Import.Model;

/// <summary>The weights check in a <see cref="ModelSummary"/>.</summary>
/// <param name="Path">Weight file.</param>
/// <param name="Format">"pkl" or "pth".</param>
/// <param name="Author">The file's __author__, if any.</param>
/// <param name="MatchingHeuristics">Whether names were aligned by suffix (and Caffe2-converted when the author is Caffe2).</param>
/// <param name="TensorCount">Tensors in the file's state dict.</param>
/// <param name="ValueCount">Elements of those tensors.</param>
/// <param name="Status">"ok", "mismatched", "missing" or "missing+mismatched".</param>
/// <param name="Missing">Tensors the model needs that the file lacks.</param>
/// <param name="Mismatched">Tensors with the wrong shape.</param>
/// <param name="Unexpected">File tensors the model does not use (warnings).</param>
/// <param name="Notes">Conversions applied (Caffe2 renames, defaults).</param>
public sealed record WeightsCheckSummary(
    string Path,
    string Format,
    string? Author,
    bool MatchingHeuristics,
    int TensorCount,
    long ValueCount,
    string Status,
    IReadOnlyList<ExpectedParameter> Missing,
    IReadOnlyList<ShapeMismatch> Mismatched,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<string> Notes)
{
    /// <summary>True when nothing is missing or mismatched.</summary>
    public bool Ok => Missing.Count == 0 && Mismatched.Count == 0;
}
