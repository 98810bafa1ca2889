namespace Detserve.Graph;

/// <summary>nn.Linear on the flattened input (torch.flatten(x, start_dim=1)); <see cref="Weight"/> is [OutFeatures, InFeatures].</summary>
public sealed record LinearAttributes(int InFeatures, int OutFeatures, float[] Weight, float[]? Bias, bool Relu = false) : OpAttributes;
