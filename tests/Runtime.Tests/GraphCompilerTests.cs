using Detserve.Backends.Cpu;
using Detserve.Graph;
using Detserve.Graph.Compile;

namespace Detserve.Runtime.Tests;

/// <summary>Shape rules of the graph builder and the compiler's folding/fusion, checked numerically against the unfused graph.</summary>
public sealed class GraphCompilerTests
{
    private static float[] Random(int n, int seed, float scale = 1f)
    {
        var r = new Random(seed);
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)((r.NextDouble() * 2) - 1) * scale;
        return v;
    }

    private static FrozenBatchNormAttributes Bn(int c, int seed)
    {
        float[] w = Random(c, seed), b = Random(c, seed + 1), m = Random(c, seed + 2);
        float[] v = Random(c, seed + 3).Select(x => Math.Abs(x) + 0.1f).ToArray();
        return new FrozenBatchNormAttributes(w, b, m, v, 1e-5f);
    }

    /// <summary>A bottleneck-like block: conv-BN-ReLU, conv-BN, + projection shortcut conv-BN, ReLU; then a max-pool.</summary>
    private static NetworkGraph Block()
    {
        var g = new NetworkBuilder();
        int x = g.Input("image", 3);
        int s = g.Conv2d("shortcut", x, new Conv2dAttributes(3, 8, 1, 1, 2, 2, 0, 0, 1, 1, Random(24, 1), null));
        s = g.FrozenBatchNorm("shortcut.norm", s, Bn(8, 10));
        int y = g.Conv2d("conv1", x, new Conv2dAttributes(3, 4, 3, 3, 2, 2, 1, 1, 1, 1, Random(108, 2), null));
        y = g.FrozenBatchNorm("conv1.norm", y, Bn(4, 20));
        y = g.Relu("conv1.relu", y);
        y = g.Conv2d("conv2", y, new Conv2dAttributes(4, 8, 3, 3, 1, 1, 1, 1, 1, 2, Random(144, 3), null));
        y = g.FrozenBatchNorm("conv2.norm", y, Bn(8, 30));
        y = g.Add("add", y, s);
        y = g.Relu("relu", y);
        g.Output("block", y);
        g.Output("pooled", g.MaxPool2d("pool", y, new MaxPool2dAttributes(3, 2, 1)));
        return g.Build();
    }

    [Fact]
    public void Compiler_folds_batch_norm_and_fuses_residual_and_relu()
    {
        NetworkGraph graph = Block();
        NetworkGraph compiled = GraphCompiler.Compile(graph);
        Assert.Equal(0, compiled.CountByOp().GetValueOrDefault(OpKind.FrozenBatchNorm));
        Assert.Equal(0, compiled.CountByOp().GetValueOrDefault(OpKind.Add));
        Assert.Equal(0, compiled.CountByOp().GetValueOrDefault(OpKind.Relu));
        Node conv2 = compiled.Nodes.Single(n => n.Name == "conv2");
        Assert.Equal(2, conv2.Inputs.Count);
        Assert.True(((Conv2dAttributes)conv2.Attributes).Relu);
        Assert.Equal(compiled.Output("block").Id, conv2.Id);
    }

    [Fact]
    public void Compiled_graph_computes_what_the_unfused_graph_computes()
    {
        NetworkGraph graph = Block();
        using var ctx = new CpuContext(1);
        var input = new FeatureMap(Random(2 * 3 * 13 * 11, 7, 50f), 2, 3, 13, 11);
        var inputs = new Dictionary<string, FeatureMap> { ["image"] = input };
        Dictionary<string, FeatureMap> expected = new NetworkRunner(graph).Run(ctx, inputs, CancellationToken.None);
        Dictionary<string, FeatureMap> actual = new NetworkRunner(GraphCompiler.Compile(graph)).Run(ctx, inputs, CancellationToken.None);
        foreach (string name in new[] { "block", "pooled" })
        {
            Assert.Equal(expected[name].ToString(), actual[name].ToString());
            Tolerance.Check(name, expected[name].Data.Select(v => (double)v).ToArray(), actual[name].Data, 1e-4, 1e-5);
        }
    }

    [Fact]
    public void Builder_names_the_node_whose_channels_do_not_match()
    {
        var g = new NetworkBuilder();
        int x = g.Input("image", 3);
        var e = Assert.Throws<GraphBuildException>(() =>
            g.Conv2d("backbone.bottom_up.stem.conv1", x, new Conv2dAttributes(4, 8, 3, 3, 1, 1, 1, 1, 1, 1, new float[8 * 4 * 9], null)));
        Assert.Contains("backbone.bottom_up.stem.conv1", e.Message, StringComparison.Ordinal);
        Assert.Contains("4 input channels", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Builder_rejects_a_linear_layer_on_a_dynamic_input()
    {
        var g = new NetworkBuilder();
        int x = g.Input("image", 3);
        var e = Assert.Throws<GraphBuildException>(() => g.Linear("fc1", x, new LinearAttributes(12, 2, new float[24], null)));
        Assert.Contains("fixed-size", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Folded_scale_is_computed_as_frozen_batch_norm_does()
    {
        var bn = new FrozenBatchNormAttributes([2f], [0.5f], [3f], [4f - 1e-5f], 1e-5f);
        (float[] scale, float[] shift) = GraphCompiler.FrozenBatchNormAffine(bn);
        Assert.Equal(2f * (1f / MathF.Sqrt(4f - 1e-5f + 1e-5f)), scale[0]);
        Assert.Equal(0.5f - (3f * scale[0]), shift[0]);
    }
}
