namespace Detserve.Graph;

/// <summary>Parameters of one node; each <see cref="OpKind"/> has its own attribute record.</summary>
public abstract record OpAttributes;
