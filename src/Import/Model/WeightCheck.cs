using Detserve.Graph;

namespace Detserve.Import.Model;

/// <summary>
/// The result of matching a weight file against the parameters an architecture needs, as fvcore's Checkpointer
/// reports it (missing keys, shape mismatches, unexpected keys), plus the notes of any name conversion.
/// </summary>
/// <param name="Missing">Parameters the model needs that the file lacks.</param>
/// <param name="Mismatched">Parameters whose shapes differ.</param>
/// <param name="Unexpected">File tensors the model does not use (after name conversion).</param>
/// <param name="Notes">What was converted or filled, as Detectron2 logs it (Caffe2 renames, FrozenBN defaults, "module." prefix).</param>
/// <param name="Bound">The model's tensors by state-dict name, in the parameter table's order (complete only when <see cref="Ok"/>).</param>
public sealed record WeightCheck(
    IReadOnlyList<ExpectedParameter> Missing,
    IReadOnlyList<ShapeMismatch> Mismatched,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<string> Notes,
    IReadOnlyDictionary<string, HostTensor> Bound)
{
    /// <summary>True when nothing is missing or mismatched (unexpected tensors are only warnings).</summary>
    public bool Ok => Missing.Count == 0 && Mismatched.Count == 0;
}
