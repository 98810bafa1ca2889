namespace Detserve.Serve.Repository;

/// <summary>One row of the repository index: a model (and version, when one is loaded), its state and why.</summary>
public sealed record ModelIndexEntry(string Name, string Version, ModelState State, string Reason);
