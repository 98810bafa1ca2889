namespace Detserve.Graph;

/// <summary>
/// Appends nodes to a <see cref="NetworkGraph"/>. Like ggml's graph builders, each method checks the op's shape rule against its
/// inputs, records the op and returns the new node's id; nothing is computed. Errors name the node (its Detectron2 module path).
/// </summary>
public sealed class NetworkBuilder
{
    private readonly List<Node> _nodes = [];
    private readonly Dictionary<string, int> _inputs = [];
    private readonly Dictionary<string, int> _outputs = [];

    /// <summary>The shape of an existing node.</summary>
    public NodeShape ShapeOf(int node) => _nodes[node].Shape;

    /// <summary>Declares input <paramref name="name"/> with <paramref name="channels"/> channels; pass sizes for ROI-level graphs.</summary>
    public int Input(string name, int channels, int height = NodeShape.Dynamic, int width = NodeShape.Dynamic)
    {
        if (channels <= 0) throw new GraphBuildException($"input '{name}': channels must be positive, got {channels}");
        if (_inputs.ContainsKey(name)) throw new GraphBuildException($"input '{name}' declared twice");
        int id = Add(name, OpKind.Input, [], new InputAttributes(name), new NodeShape(channels, height, width));
        _inputs[name] = id;
        return id;
    }

    /// <summary>nn.Conv2d; residual (a node of the output's shape) is only given by the compiler's fusion.</summary>
    public int Conv2d(string name, int input, Conv2dAttributes a, int? residual = null)
    {
        NodeShape s = Require(name, input);
        if (a.Groups <= 0 || a.InChannels % a.Groups != 0 || a.OutChannels % a.Groups != 0)
            throw new GraphBuildException($"{name}: {a.Groups} groups do not divide in {a.InChannels} / out {a.OutChannels} channels");
        if (s.Channels != a.InChannels)
            throw new GraphBuildException($"{name}: conv expects {a.InChannels} input channels but '{_nodes[input].Name}' has shape {s}");
        if (a.KernelH <= 0 || a.KernelW <= 0 || a.StrideH <= 0 || a.StrideW <= 0 || a.PadH < 0 || a.PadW < 0 || a.Dilation <= 0)
            throw new GraphBuildException($"{name}: invalid conv geometry k={a.KernelH}x{a.KernelW} stride={a.StrideH}x{a.StrideW} pad={a.PadH}x{a.PadW} dilation={a.Dilation}");
        CheckLength(name, "weight", a.Weight.Length, (long)a.OutChannels * (a.InChannels / a.Groups) * a.KernelH * a.KernelW);
        if (a.Bias is not null) CheckLength(name, "bias", a.Bias.Length, a.OutChannels);
        NodeShape outShape = Spatial(s, a.OutChannels, a.OutputSize);
        if (outShape.IsStatic && (outShape.Height <= 0 || outShape.Width <= 0))
            throw new GraphBuildException($"{name}: conv output of input {s} is empty");
        int[] inputs = [input];
        if (residual is int r)
        {
            NodeShape rs = Require(name, r);
            if (rs.Channels != a.OutChannels || rs.Height != outShape.Height || rs.Width != outShape.Width)
                throw new GraphBuildException($"{name}: residual '{_nodes[r].Name}' has shape {rs}, the conv output is {outShape}");
            inputs = [input, r];
        }
        return Add(name, OpKind.Conv2d, inputs, a, outShape);
    }

    /// <summary>FrozenBatchNorm2d over the input's channels.</summary>
    public int FrozenBatchNorm(string name, int input, FrozenBatchNormAttributes a)
    {
        NodeShape s = Require(name, input);
        CheckLength(name, "weight", a.Weight.Length, s.Channels);
        CheckLength(name, "bias", a.Bias.Length, s.Channels);
        CheckLength(name, "running_mean", a.RunningMean.Length, s.Channels);
        CheckLength(name, "running_var", a.RunningVar.Length, s.Channels);
        return Add(name, OpKind.FrozenBatchNorm, [input], a, s);
    }

    /// <summary>ReLU.</summary>
    public int Relu(string name, int input) => Add(name, OpKind.Relu, [input], new NoAttributes(), Require(name, input));

    /// <summary>a + b; the shapes must be equal (dynamic sizes are checked again when the graph runs).</summary>
    public int Add(string name, int a, int b)
    {
        NodeShape sa = Require(name, a), sb = Require(name, b);
        if (sa != sb) throw new GraphBuildException($"{name}: cannot add '{_nodes[a].Name}' {sa} and '{_nodes[b].Name}' {sb}");
        return Add(name, OpKind.Add, [a, b], new NoAttributes(), sa);
    }

    /// <summary>max_pool2d.</summary>
    public int MaxPool2d(string name, int input, MaxPool2dAttributes a)
    {
        NodeShape s = Require(name, input);
        if (a.Kernel <= 0 || a.Stride <= 0 || a.Pad < 0 || a.Pad * 2 > a.Kernel)
            throw new GraphBuildException($"{name}: invalid max-pool kernel {a.Kernel} stride {a.Stride} pad {a.Pad} (PyTorch needs pad <= kernel / 2)");
        return Add(name, OpKind.MaxPool2d, [input], a, Spatial(s, s.Channels, a.OutputSize));
    }

    /// <summary>lateral + nearest-2x(top); the lateral's size must be twice the top's (true for inputs padded to the size divisibility).</summary>
    public int UpsampleNearest2xAdd(string name, int top, int lateral)
    {
        NodeShape st = Require(name, top), sl = Require(name, lateral);
        if (st.Channels != sl.Channels)
            throw new GraphBuildException($"{name}: top-down '{_nodes[top].Name}' {st} and lateral '{_nodes[lateral].Name}' {sl} differ in channels");
        if (st.IsStatic && sl.IsStatic && (sl.Height != 2 * st.Height || sl.Width != 2 * st.Width))
            throw new GraphBuildException($"{name}: lateral {sl} is not twice top-down {st}");
        return Add(name, OpKind.UpsampleNearest2xAdd, [top, lateral], new NoAttributes(), sl);
    }

    /// <summary>nn.ConvTranspose2d.</summary>
    public int ConvTranspose2d(string name, int input, ConvTranspose2dAttributes a)
    {
        NodeShape s = Require(name, input);
        if (s.Channels != a.InChannels)
            throw new GraphBuildException($"{name}: transposed conv expects {a.InChannels} input channels but '{_nodes[input].Name}' has shape {s}");
        CheckLength(name, "weight", a.Weight.Length, (long)a.InChannels * a.OutChannels * a.KernelH * a.KernelW);
        if (a.Bias is not null) CheckLength(name, "bias", a.Bias.Length, a.OutChannels);
        return Add(name, OpKind.ConvTranspose2d, [input], a, Spatial(s, a.OutChannels, a.OutputSize));
    }

    /// <summary>nn.Linear on flatten(input); the input's size must be static and equal InFeatures.</summary>
    public int Linear(string name, int input, LinearAttributes a)
    {
        NodeShape s = Require(name, input);
        if (!s.IsStatic)
            throw new GraphBuildException($"{name}: a linear layer needs a fixed-size input, '{_nodes[input].Name}' is {s}");
        long flat = (long)s.Channels * s.Height * s.Width;
        if (flat != a.InFeatures)
            throw new GraphBuildException($"{name}: linear expects {a.InFeatures} input features but flatten('{_nodes[input].Name}' {s}) has {flat}");
        CheckLength(name, "weight", a.Weight.Length, (long)a.OutFeatures * a.InFeatures);
        if (a.Bias is not null) CheckLength(name, "bias", a.Bias.Length, a.OutFeatures);
        return Add(name, OpKind.Linear, [input], a, new NodeShape(a.OutFeatures, 1, 1));
    }

    /// <summary>Declares <paramref name="node"/> as output <paramref name="name"/>.</summary>
    public void Output(string name, int node)
    {
        Require(name, node);
        if (!_outputs.TryAdd(name, node)) throw new GraphBuildException($"output '{name}' declared twice");
    }

    /// <summary>The finished graph.</summary>
    public NetworkGraph Build()
    {
        if (_outputs.Count == 0) throw new GraphBuildException("graph has no outputs");
        return new NetworkGraph(_nodes.ToArray(), new Dictionary<string, int>(_inputs), new Dictionary<string, int>(_outputs));
    }

    private int Add(string name, OpKind op, int[] inputs, OpAttributes attributes, NodeShape shape)
    {
        int id = _nodes.Count;
        _nodes.Add(new Node(id, name, op, inputs, attributes, shape));
        return id;
    }

    private NodeShape Require(string name, int node)
    {
        if ((uint)node >= (uint)_nodes.Count) throw new GraphBuildException($"{name}: input node {node} does not exist");
        return _nodes[node].Shape;
    }

    private static NodeShape Spatial(NodeShape s, int channels, Func<int, int, (int, int)> rule)
    {
        if (!s.IsStatic) return new NodeShape(channels, NodeShape.Dynamic, NodeShape.Dynamic);
        (int h, int w) = rule(s.Height, s.Width);
        return new NodeShape(channels, h, w);
    }

    private static void CheckLength(string name, string what, long actual, long expected)
    {
        if (actual != expected) throw new GraphBuildException($"{name}.{what}: {actual} values, the op needs {expected}");
    }
}
