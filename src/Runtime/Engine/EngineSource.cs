namespace Detserve.Runtime.Engine;

/// <summary>Where an engine's model came from, recorded in the file for <c>detserve inspect --engine</c> and for provenance.</summary>
/// <param name="Config">The config file the engine was built from.</param>
/// <param name="Weights">The weight file, or "seeded:N" for the bench spec's generated weights of seed N.</param>
/// <param name="WeightsSha256">SHA-256 of the weight file (lowercase hex), or null for seeded weights.</param>
/// <param name="Overrides">The KEY VALUE overrides given at build time.</param>
public sealed record EngineSource(string Config, string Weights, string? WeightsSha256, IReadOnlyList<string> Overrides);
