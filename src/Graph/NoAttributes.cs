namespace Detserve.Graph;

/// <summary>Attributes of ops that have none (Relu, Add, UpsampleNearest2xAdd).</summary>
public sealed record NoAttributes : OpAttributes;
