using Detserve.Backends.Cpu;
using Detserve.Graph;
using Detserve.Graph.Compile;

namespace Detserve.Runtime;

/// <summary>
/// Runs a compiled <see cref="NetworkGraph"/> on the CPU backend: one backend op per node, created (weights packed) once, then
/// executed in node order. Intermediate tensors are dropped as soon as their last consumer has run.
/// </summary>
internal sealed class NetworkRunner
{
    private readonly NetworkGraph _graph;
    private readonly object?[] _ops;
    private readonly int[] _lastUse;

    public NetworkRunner(NetworkGraph graph)
    {
        _graph = graph;
        int n = graph.Nodes.Count;
        _ops = new object?[n];
        _lastUse = new int[n];
        foreach (Node node in graph.Nodes)
        {
            foreach (int input in node.Inputs) _lastUse[input] = Math.Max(_lastUse[input], node.Id);
            _ops[node.Id] = node.Attributes switch
            {
                Conv2dAttributes a => new Conv2d(
                    new Conv2dSpec(a.InChannels, a.OutChannels, a.KernelH, a.KernelW, a.StrideH, a.StrideW, a.PadH, a.PadW,
                        a.Dilation, a.Dilation, a.Groups, a.Relu),
                    a.Weight, a.Bias ?? []),
                ConvTranspose2dAttributes a => new ConvTranspose2d(
                    new ConvTranspose2dSpec(a.InChannels, a.OutChannels, a.KernelH, a.KernelW, a.StrideH, a.StrideW, a.PadH, a.PadW, a.Relu),
                    a.Weight, a.Bias ?? []),
                LinearAttributes a => new Linear(a.InFeatures, a.OutFeatures, a.Weight, a.Bias ?? [], a.Relu),
                FrozenBatchNormAttributes a => GraphCompiler.FrozenBatchNormAffine(a),
                _ => null,
            };
        }
        foreach (int id in graph.Outputs.Values) _lastUse[id] = int.MaxValue;
    }

    public NetworkGraph Graph => _graph;

    /// <summary>Runs the graph on <paramref name="inputs"/> (by input name) and returns every declared output by name.</summary>
    public Dictionary<string, FeatureMap> Run(CpuContext ctx, IReadOnlyDictionary<string, FeatureMap> inputs, CancellationToken cancellationToken) =>
        Run(ctx, inputs, null, cancellationToken);

    /// <summary>
    /// As <see cref="Run(CpuContext, IReadOnlyDictionary{string, FeatureMap}, CancellationToken)"/>; when <paramref name="calibrate"/> is given,
    /// every FrozenBatchNorm node takes its buffers from it (called with the node and its input) instead of the graph's, which is how
    /// seeded models get statistics from one forward pass.
    /// </summary>
    public Dictionary<string, FeatureMap> Run(CpuContext ctx, IReadOnlyDictionary<string, FeatureMap> inputs,
        Func<Node, FeatureMap, FrozenBatchNormAttributes>? calibrate, CancellationToken cancellationToken)
    {
        var values = new FeatureMap?[_graph.Nodes.Count];
        foreach (Node node in _graph.Nodes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            values[node.Id] = Execute(ctx, node, inputs, values, calibrate);
            foreach (int input in node.Inputs)
                if (_lastUse[input] == node.Id) values[input] = null;
        }
        var outputs = new Dictionary<string, FeatureMap>();
        foreach ((string name, int id) in _graph.Outputs) outputs[name] = values[id]!;
        return outputs;
    }

    private FeatureMap Execute(CpuContext ctx, Node node, IReadOnlyDictionary<string, FeatureMap> inputs, FeatureMap?[] values,
        Func<Node, FeatureMap, FrozenBatchNormAttributes>? calibrate)
    {
        FeatureMap In(int k) => values[node.Inputs[k]] ?? throw new InvalidOperationException($"{node.Name}: input {k} was released before use");
        switch (node.Attributes)
        {
            case InputAttributes a:
            {
                if (!inputs.TryGetValue(a.InputName, out FeatureMap? x))
                    throw new ArgumentException($"graph input '{a.InputName}' was not given");
                if (x.Channels != node.Shape.Channels
                    || (node.Shape.IsStatic && (x.Height != node.Shape.Height || x.Width != node.Shape.Width)))
                    throw new ArgumentException($"graph input '{a.InputName}' is {x}, the graph expects {node.Shape} per image");
                return x;
            }
            case Conv2dAttributes a:
            {
                FeatureMap x = In(0);
                (int h, int w) = a.OutputSize(x.Height, x.Width);
                FeatureMap y = Allocate(x.Batch, a.OutChannels, h, w);
                ReadOnlySpan<float> residual = default;
                if (node.Inputs.Count > 1)
                {
                    FeatureMap r = In(1);
                    if (r.Batch != y.Batch || r.Channels != y.Channels || r.Height != y.Height || r.Width != y.Width)
                        throw new InvalidOperationException($"{node.Name}: residual {r} does not match the conv output {y}");
                    residual = r.Data;
                }
                ((Conv2d)_ops[node.Id]!).Forward(ctx, x.Data, x.Batch, x.Height, x.Width, y.Data, residual);
                return y;
            }
            case ConvTranspose2dAttributes a:
            {
                FeatureMap x = In(0);
                (int h, int w) = a.OutputSize(x.Height, x.Width);
                FeatureMap y = Allocate(x.Batch, a.OutChannels, h, w);
                ((ConvTranspose2d)_ops[node.Id]!).Forward(ctx, x.Data, x.Batch, x.Height, x.Width, y.Data);
                return y;
            }
            case LinearAttributes a:
            {
                FeatureMap x = In(0);
                FeatureMap y = Allocate(x.Batch, a.OutFeatures, 1, 1);
                ((Linear)_ops[node.Id]!).Forward(ctx, x.Data, x.Batch, y.Data);
                return y;
            }
            case MaxPool2dAttributes a:
            {
                FeatureMap x = In(0);
                (int h, int w) = a.OutputSize(x.Height, x.Width);
                FeatureMap y = Allocate(x.Batch, x.Channels, h, w);
                MaxPool2d.Forward(ctx, x.Data, x.Batch, x.Channels, x.Height, x.Width, a.Kernel, a.Stride, a.Pad, y.Data);
                return y;
            }
            case FrozenBatchNormAttributes:
            {
                // Only reached when the compiler could not fold the norm into a conv: y = x * scale + shift per channel.
                FeatureMap x = In(0);
                (float[] scale, float[] shift) = calibrate is null
                    ? ((float[], float[]))_ops[node.Id]!
                    : GraphCompiler.FrozenBatchNormAffine(calibrate(node, x));
                FeatureMap y = Allocate(x.Batch, x.Channels, x.Height, x.Width);
                int plane = x.Height * x.Width;
                for (int n = 0; n < x.Batch; n++)
                    for (int c = 0; c < x.Channels; c++)
                    {
                        int o = ((n * x.Channels) + c) * plane;
                        for (int i = 0; i < plane; i++) y.Data[o + i] = (x.Data[o + i] * scale[c]) + shift[c];
                    }
                return y;
            }
            case NoAttributes when node.Op == OpKind.Relu:
            {
                FeatureMap x = In(0);
                FeatureMap y = Allocate(x.Batch, x.Channels, x.Height, x.Width);
                for (int i = 0; i < y.Data.Length; i++) y.Data[i] = Math.Max(x.Data[i], 0f);
                return y;
            }
            case NoAttributes when node.Op == OpKind.Add:
            {
                FeatureMap a = In(0), b = In(1);
                if (a.Data.Length != b.Data.Length || a.Height != b.Height || a.Width != b.Width)
                    throw new InvalidOperationException($"{node.Name}: cannot add {a} and {b}");
                FeatureMap y = Allocate(a.Batch, a.Channels, a.Height, a.Width);
                for (int i = 0; i < y.Data.Length; i++) y.Data[i] = a.Data[i] + b.Data[i];
                return y;
            }
            case NoAttributes when node.Op == OpKind.UpsampleNearest2xAdd:
            {
                FeatureMap top = In(0), lateral = In(1);
                if (lateral.Height != 2 * top.Height || lateral.Width != 2 * top.Width || lateral.Channels != top.Channels || lateral.Batch != top.Batch)
                    throw new InvalidOperationException($"{node.Name}: lateral {lateral} is not twice the top-down {top}");
                FeatureMap y = Allocate(lateral.Batch, lateral.Channels, lateral.Height, lateral.Width);
                UpsampleNearest.Forward2xAdd(ctx, top.Data, lateral.Data, top.Batch, top.Channels, top.Height, top.Width, y.Data);
                return y;
            }
            default:
                throw new NotSupportedException($"{node.Name}: the CPU runner has no kernel for op {node.Op}");
        }
    }

    private static FeatureMap Allocate(int batch, int channels, int height, int width) =>
        new(GC.AllocateUninitializedArray<float>(checked(batch * channels * height * width)), batch, channels, height, width);
}
