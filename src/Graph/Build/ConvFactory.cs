namespace Detserve.Graph.Build;

/// <summary>
/// Emits Detectron2's layers.Conv2d (a conv with optional norm and activation) into a <see cref="NetworkBuilder"/>, reading
/// "{prefix}.weight", "{prefix}.bias" and "{prefix}.norm.*" from the weights.
/// </summary>
internal sealed class ConvFactory(NetworkBuilder graph, WeightTable weights)
{
    public NetworkBuilder Graph => graph;

    public WeightTable Weights => weights;

    /// <summary>
    /// A convolution as Detectron2 builds it: bias only when there is no norm (resnet.py passes bias=False; FPN, RPN and heads have a
    /// bias when their NORM is ""), then FrozenBN when <paramref name="frozenBn"/>, then ReLU when <paramref name="relu"/>.
    /// </summary>
    public int Conv(string prefix, int input, int outChannels, int kernel, int stride, int pad, int dilation, int groups,
        bool bias, bool frozenBn, bool relu, string impliedBy)
    {
        int inChannels = graph.ShapeOf(input).Channels;
        if (inChannels % groups != 0)
            throw new GraphBuildException($"{prefix}: {inChannels} input channels are not divisible by {groups} groups (implied by {impliedBy})");
        float[] w = weights.Get(prefix + ".weight", [outChannels, inChannels / groups, kernel, kernel], impliedBy);
        float[]? b = bias ? weights.Get(prefix + ".bias", [outChannels], impliedBy) : null;
        int node = graph.Conv2d(prefix, input,
            new Conv2dAttributes(inChannels, outChannels, kernel, kernel, stride, stride, pad, pad, dilation, groups, w, b));
        if (frozenBn) node = FrozenBn(prefix + ".norm", node, outChannels, impliedBy);
        if (relu) node = graph.Relu(prefix + ".relu", node);
        return node;
    }

    /// <summary>FrozenBatchNorm2d reading weight, bias, running_mean, running_var (eps 1e-5, detectron2/layers/batch_norm.py).</summary>
    public int FrozenBn(string prefix, int input, int channels, string impliedBy)
    {
        int[] shape = [channels];
        return graph.FrozenBatchNorm(prefix, input, new FrozenBatchNormAttributes(
            weights.Get(prefix + ".weight", shape, impliedBy),
            weights.Get(prefix + ".bias", shape, impliedBy),
            weights.Get(prefix + ".running_mean", shape, impliedBy),
            weights.Get(prefix + ".running_var", shape, impliedBy),
            (float)Spec.ResNetSpec.FrozenBnEps));
    }
}
