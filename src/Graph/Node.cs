namespace Detserve.Graph;

/// <summary>
/// One op in a <see cref="NetworkGraph"/>: its kind, the ids of the nodes it reads (in op order: a convolution's second input is its
/// residual), its attributes and its per-image output shape. <see cref="Name"/> is the Detectron2 module path it mirrors
/// ("backbone.bottom_up.res2.0.conv1"), used in messages.
/// </summary>
public sealed record Node(int Id, string Name, OpKind Op, IReadOnlyList<int> Inputs, OpAttributes Attributes, NodeShape Shape);
