namespace Detserve.Graph;

/// <summary>A graph input, named as the runner feeds it ("image", "box_features", "mask_features").</summary>
public sealed record InputAttributes(string InputName) : OpAttributes;
