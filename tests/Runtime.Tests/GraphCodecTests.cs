using System.Text.Json;
using System.Text.Json.Nodes;
using Detserve.Graph;
using Detserve.Graph.Compile;
using Detserve.Runtime.Engine;

namespace Detserve.Runtime.Tests;

/// <summary>GraphCodec: a graph survives JSON unchanged, and a damaged node is refused with the graph, node and field named.</summary>
public sealed class GraphCodecTests
{
    private static NetworkGraph Small()
    {
        var b = new NetworkBuilder();
        int x = b.Input("image", 3);
        int c1 = b.Conv2d("stem.conv1", x, new Conv2dAttributes(3, 4, 3, 3, 2, 2, 1, 1, 1, 1, Enumerable.Range(0, 108).Select(i => i * 0.01f).ToArray(), null));
        int bn = b.FrozenBatchNorm("stem.conv1.norm", c1, new FrozenBatchNormAttributes([1, 2, 3, 4], [0.1f, 0.2f, 0.3f, 0.4f], [0, 1, 0, 1], [1, 1, 2, 2], 1e-5f));
        int r = b.Relu("stem.relu", bn);
        int p = b.MaxPool2d("stem.pool", r, new MaxPool2dAttributes(3, 2, 1));
        int c2 = b.Conv2d("lateral", p, new Conv2dAttributes(4, 4, 1, 1, 1, 1, 0, 0, 1, 1, new float[16], [1, 2, 3, 4]));
        int a = b.Add("sum", c2, p);
        b.Output("p2", a);
        b.Output("stem", r);
        return b.Build();
    }

    private static (JsonNode Json, List<float[]> Tensors) Encode(NetworkGraph g)
    {
        var tensors = new List<float[]>();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer)) GraphCodec.Write(w, g, (_, v) => { tensors.Add(v); return tensors.Count - 1; });
        return (JsonNode.Parse(buffer.WrittenSpan)!, tensors);
    }

    private static NetworkGraph Decode(JsonNode json, List<float[]> tensors)
    {
        using JsonDocument doc = JsonDocument.Parse(json.ToJsonString());
        return GraphCodec.Read(doc.RootElement, "dense", (i, name, count) =>
            count < 0 || tensors[i].Length == count ? tensors[i] : throw new EngineException($"{name}: {tensors[i].Length} values, needs {count}"));
    }

    [Fact]
    public void Graphs_survive_the_round_trip_built_and_compiled()
    {
        foreach (NetworkGraph g in new[] { Small(), GraphCompiler.Compile(Small()) })
        {
            (JsonNode json, List<float[]> tensors) = Encode(g);
            NetworkGraph back = Decode(json, tensors);
            Assert.Equal(g.Nodes.Count, back.Nodes.Count);
            for (int i = 0; i < g.Nodes.Count; i++)
            {
                Node x = g.Nodes[i], y = back.Nodes[i];
                Assert.Equal((x.Name, x.Op, x.Shape), (y.Name, y.Op, y.Shape));
                Assert.Equal(x.Inputs, y.Inputs);
                switch (x.Attributes)
                {
                    case Conv2dAttributes c:
                        var d = (Conv2dAttributes)y.Attributes;
                        Assert.Equal(c with { Weight = [], Bias = null }, d with { Weight = [], Bias = null });
                        Assert.Equal(c.Weight, d.Weight);
                        Assert.Equal(c.Bias, d.Bias);
                        break;
                    case FrozenBatchNormAttributes f:
                        var h = (FrozenBatchNormAttributes)y.Attributes;
                        Assert.Equal((f.Weight, f.Bias, f.RunningMean, f.RunningVar, f.Eps), (h.Weight, h.Bias, h.RunningMean, h.RunningVar, h.Eps));
                        break;
                    default:
                        Assert.Equal(x.Attributes, y.Attributes);
                        break;
                }
            }
            Assert.Equal(g.Outputs, back.Outputs);
        }
    }

    [Fact]
    public void Damage_is_refused_with_graph_node_and_field_named()
    {
        (JsonNode json, List<float[]> tensors) = Encode(Small());
        string Fail(Action<JsonNode> damage)
        {
            JsonNode copy = JsonNode.Parse(json.ToJsonString())!;
            damage(copy);
            return Assert.Throws<EngineException>(() => Decode(copy, tensors)).Message;
        }

        string m = Fail(j => j["nodes"]![1]!["attrs"]!.AsObject().Remove("groups"));
        Assert.Contains("graph 'dense' node 1 ('stem.conv1')", m, StringComparison.Ordinal);
        Assert.Contains("'groups'", m, StringComparison.Ordinal);
        Assert.Contains("unknown op 'Softmax'", Fail(j => j["nodes"]![3]!["op"] = "Softmax"), StringComparison.Ordinal);
        Assert.Contains("is not an earlier node", Fail(j => j["nodes"]![1]!["inputs"] = new JsonArray(5)), StringComparison.Ordinal);
        Assert.Contains("the file records [5,", Fail(j => j["nodes"]![1]!["shape"]![0] = 5), StringComparison.Ordinal);
        // A weight of the wrong size: the store names the tensor.
        Assert.Contains("stem.conv1.weight", Fail(j => j["nodes"]![1]!["attrs"]!["out_channels"] = 5), StringComparison.Ordinal);
        Assert.Contains("output 'p2': node 99", Fail(j => j["outputs"]![0]!["node"] = 99), StringComparison.Ordinal);
        Assert.Contains("takes 2 inputs", Fail(j => j["nodes"]![6]!["inputs"] = new JsonArray(5, 4, 3)), StringComparison.Ordinal);
    }
}
