namespace Detserve.Graph.Compile;

/// <summary>
/// Rewrites a built <see cref="NetworkGraph"/> into the form backends run: FrozenBatchNorm folded into the preceding convolution, and
/// the chains conv -> [FrozenBN] -> [Add(shortcut)] -> [ReLU], linear -> ReLU and transposed conv -> ReLU fused into one node each.
/// Only single-consumer chains are fused (a tensor that is also a graph output or read elsewhere keeps its own node).
/// </summary>
public static class GraphCompiler
{
    /// <summary>The compiled graph; inputs and outputs keep their names.</summary>
    public static NetworkGraph Compile(NetworkGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        int n = graph.Nodes.Count;
        var consumers = new List<int>[n];
        for (int i = 0; i < n; i++) consumers[i] = [];
        foreach (Node node in graph.Nodes)
            foreach (int input in node.Inputs) consumers[input].Add(node.Id);
        var isOutput = new bool[n];
        foreach (int id in graph.Outputs.Values) isOutput[id] = true;

        // The single consumer of a node, when nothing else (no other node, no graph output) reads it.
        Node? Only(int id) => consumers[id].Count == 1 && !isOutput[id] ? graph.Nodes[consumers[id][0]] : null;

        var builder = new NetworkBuilder();
        var map = new int[n];
        Array.Fill(map, -1);
        foreach (Node node in graph.Nodes)
        {
            if (map[node.Id] >= 0) continue; // absorbed into an earlier fused node
            switch (node.Op)
            {
                case OpKind.Input:
                    map[node.Id] = builder.Input(((InputAttributes)node.Attributes).InputName, node.Shape.Channels, node.Shape.Height, node.Shape.Width);
                    break;
                case OpKind.Conv2d:
                {
                    var a = (Conv2dAttributes)node.Attributes;
                    var absorbed = new List<int> { node.Id };
                    int cur = node.Id;
                    int? residual = node.Inputs.Count > 1 ? map[node.Inputs[1]] : null;
                    if (Only(cur) is { Op: OpKind.FrozenBatchNorm } bn)
                    {
                        a = FoldFrozenBatchNorm(a, (FrozenBatchNormAttributes)bn.Attributes);
                        cur = bn.Id;
                        absorbed.Add(cur);
                    }
                    if (residual is null && Only(cur) is { Op: OpKind.Add } add)
                    {
                        int other = add.Inputs[0] == cur ? add.Inputs[1] : add.Inputs[0];
                        if (other != cur && map[other] >= 0)
                        {
                            residual = map[other];
                            cur = add.Id;
                            absorbed.Add(cur);
                        }
                    }
                    if (!a.Relu && Only(cur) is { Op: OpKind.Relu } relu)
                    {
                        a = a with { Relu = true };
                        cur = relu.Id;
                        absorbed.Add(cur);
                    }
                    int id = builder.Conv2d(node.Name, map[node.Inputs[0]], a, residual);
                    foreach (int k in absorbed) map[k] = id;
                    break;
                }
                case OpKind.Linear:
                {
                    var a = (LinearAttributes)node.Attributes;
                    int cur = node.Id;
                    if (!a.Relu && Only(cur) is { Op: OpKind.Relu } relu) { a = a with { Relu = true }; cur = relu.Id; }
                    int id = builder.Linear(node.Name, map[node.Inputs[0]], a);
                    map[node.Id] = id;
                    map[cur] = id;
                    break;
                }
                case OpKind.ConvTranspose2d:
                {
                    var a = (ConvTranspose2dAttributes)node.Attributes;
                    int cur = node.Id;
                    if (!a.Relu && Only(cur) is { Op: OpKind.Relu } relu) { a = a with { Relu = true }; cur = relu.Id; }
                    int id = builder.ConvTranspose2d(node.Name, map[node.Inputs[0]], a);
                    map[node.Id] = id;
                    map[cur] = id;
                    break;
                }
                case OpKind.FrozenBatchNorm:
                    map[node.Id] = builder.FrozenBatchNorm(node.Name, map[node.Inputs[0]], (FrozenBatchNormAttributes)node.Attributes);
                    break;
                case OpKind.Relu:
                    map[node.Id] = builder.Relu(node.Name, map[node.Inputs[0]]);
                    break;
                case OpKind.Add:
                    map[node.Id] = builder.Add(node.Name, map[node.Inputs[0]], map[node.Inputs[1]]);
                    break;
                case OpKind.MaxPool2d:
                    map[node.Id] = builder.MaxPool2d(node.Name, map[node.Inputs[0]], (MaxPool2dAttributes)node.Attributes);
                    break;
                case OpKind.UpsampleNearest2xAdd:
                    map[node.Id] = builder.UpsampleNearest2xAdd(node.Name, map[node.Inputs[0]], map[node.Inputs[1]]);
                    break;
                default:
                    throw new GraphBuildException($"{node.Name}: the compiler does not know op {node.Op}");
            }
        }
        foreach ((string name, int id) in graph.Outputs) builder.Output(name, map[id]);
        return builder.Build();
    }

    /// <summary>
    /// Folds FrozenBatchNorm2d into the conv before it. Detectron2 (layers/batch_norm.py FrozenBatchNorm2d.forward) computes, in float32,
    /// scale = weight * (running_var + eps).rsqrt(), shift = bias - running_mean * scale, y = conv(x) * scale + shift; folding gives
    /// w' = w * scale per output channel and b' = b * scale + shift, which differs from it only by float rounding.
    /// </summary>
    public static Conv2dAttributes FoldFrozenBatchNorm(Conv2dAttributes conv, FrozenBatchNormAttributes bn)
    {
        ArgumentNullException.ThrowIfNull(conv);
        ArgumentNullException.ThrowIfNull(bn);
        (float[] scale, float[] shift) = FrozenBatchNormAffine(bn);
        if (scale.Length != conv.OutChannels)
            throw new GraphBuildException($"FrozenBN of {scale.Length} channels cannot follow a conv of {conv.OutChannels} output channels");
        float[] w = (float[])conv.Weight.Clone();
        int per = w.Length / conv.OutChannels;
        var b = new float[conv.OutChannels];
        for (int oc = 0; oc < conv.OutChannels; oc++)
        {
            float s = scale[oc];
            Span<float> row = w.AsSpan(oc * per, per);
            for (int i = 0; i < row.Length; i++) row[i] *= s;
            b[oc] = conv.Bias is null ? shift[oc] : conv.Bias[oc] * s + shift[oc];
        }
        return conv with { Weight = w, Bias = b };
    }

    /// <summary>FrozenBatchNorm2d's per-channel (scale, shift) computed as its forward does, in float32.</summary>
    public static (float[] Scale, float[] Shift) FrozenBatchNormAffine(FrozenBatchNormAttributes bn)
    {
        ArgumentNullException.ThrowIfNull(bn);
        int c = bn.Weight.Length;
        var scale = new float[c];
        var shift = new float[c];
        for (int i = 0; i < c; i++)
        {
            scale[i] = bn.Weight[i] * (1f / MathF.Sqrt(bn.RunningVar[i] + bn.Eps));
            shift[i] = bn.Bias[i] - bn.RunningMean[i] * scale[i];
        }
        return (scale, shift);
    }
}
