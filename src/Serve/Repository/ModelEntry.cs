namespace Detserve.Serve.Repository;

/// <summary>What the repository knows about one model folder: its loaded versions (immutable snapshot), state and fingerprint.</summary>
internal sealed record ModelEntry(
    string Name,
    ModelState State,
    string Reason,
    IReadOnlyDictionary<long, LoadedModel> Versions,
    string Fingerprint);
