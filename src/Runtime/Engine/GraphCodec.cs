using System.Text.Json;
using Detserve.Graph;

namespace Detserve.Runtime.Engine;

/// <summary>
/// A <see cref="NetworkGraph"/> as JSON and back: nodes in id order with their op, inputs, per-image shape and attributes; weights
/// are not inlined but handed to a tensor store (<c>store(name, values)</c> returns the index the JSON records, <c>load(index,
/// name, count)</c> returns the values and checks their count; -1 where the count follows from the tensor itself). Reading rebuilds the graph through <see cref="NetworkBuilder"/>, so every shape rule is
/// checked again, and then compares each node's shape with the recorded one. Errors name the graph, the node and the field.
/// </summary>
public static class GraphCodec
{
    /// <summary>Writes <paramref name="graph"/> as one JSON object.</summary>
    public static void Write(Utf8JsonWriter json, NetworkGraph graph, Func<string, float[], int> store)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(store);
        json.WriteStartObject();
        json.WriteStartArray("nodes");
        foreach (Node node in graph.Nodes)
        {
            json.WriteStartObject();
            json.WriteString("name", node.Name);
            json.WriteString("op", node.Op.ToString());
            json.WriteStartArray("inputs");
            foreach (int input in node.Inputs) json.WriteNumberValue(input);
            json.WriteEndArray();
            json.WriteStartArray("shape");
            json.WriteNumberValue(node.Shape.Channels);
            json.WriteNumberValue(node.Shape.Height);
            json.WriteNumberValue(node.Shape.Width);
            json.WriteEndArray();
            json.WriteStartObject("attrs");
            WriteAttributes(json, node, store);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("outputs");
        foreach ((string name, int id) in graph.Outputs)
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteNumber("node", id);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Rebuilds the graph <paramref name="graphName"/> ("dense", "box_head", ...) from <paramref name="element"/>.</summary>
    /// <exception cref="EngineException">a field is missing or wrong, a tensor does not fit, or a node's shape differs from the recorded one.</exception>
    public static NetworkGraph Read(JsonElement element, string graphName, Func<int, string, long, float[]> load)
    {
        ArgumentNullException.ThrowIfNull(graphName);
        ArgumentNullException.ThrowIfNull(load);
        var builder = new NetworkBuilder();
        JsonElement nodes = Field(element, "nodes", graphName, JsonValueKind.Array);
        int index = 0;
        foreach (JsonElement n in nodes.EnumerateArray())
        {
            string where = $"graph '{graphName}' node {index}";
            string name = Field(n, "name", where, JsonValueKind.String).GetString()!;
            where = $"graph '{graphName}' node {index} ('{name}')";
            string opText = Field(n, "op", where, JsonValueKind.String).GetString()!;
            if (!Enum.TryParse(opText, ignoreCase: false, out OpKind op) || !Enum.IsDefined(op) || char.IsDigit(opText[0]))
                throw new EngineException($"{where}: unknown op '{opText}'");
            int[] inputs = Field(n, "inputs", where, JsonValueKind.Array).EnumerateArray().Select(i => Int(i, where + " inputs")).ToArray();
            foreach (int i in inputs)
                if (i < 0 || i >= index) throw new EngineException($"{where}: input {i} is not an earlier node");
            int[] shape = Field(n, "shape", where, JsonValueKind.Array).EnumerateArray().Select(i => Int(i, where + " shape")).ToArray();
            if (shape.Length != 3) throw new EngineException($"{where}: shape has {shape.Length} values, expected [channels, height, width]");
            JsonElement attrs = Field(n, "attrs", where, JsonValueKind.Object);
            var reader = new AttributeReader(attrs, where, name, load);
            int id;
            try
            {
                id = op switch
                {
                    OpKind.Input => builder.Input(reader.String("input_name"), shape[0], shape[1], shape[2]),
                    OpKind.Conv2d => builder.Conv2d(name, Input(inputs, 0, where), reader.Conv2d(), inputs.Length > 1 ? inputs[1] : null),
                    OpKind.FrozenBatchNorm => builder.FrozenBatchNorm(name, Input(inputs, 0, where), reader.FrozenBatchNorm()),
                    OpKind.Relu => builder.Relu(name, Input(inputs, 0, where)),
                    OpKind.Add => builder.Add(name, Input(inputs, 0, where), Input(inputs, 1, where)),
                    OpKind.MaxPool2d => builder.MaxPool2d(name, Input(inputs, 0, where),
                        new MaxPool2dAttributes(reader.Int("kernel"), reader.Int("stride"), reader.Int("pad"))),
                    OpKind.UpsampleNearest2xAdd => builder.UpsampleNearest2xAdd(name, Input(inputs, 0, where), Input(inputs, 1, where)),
                    OpKind.ConvTranspose2d => builder.ConvTranspose2d(name, Input(inputs, 0, where), reader.ConvTranspose2d()),
                    OpKind.Linear => builder.Linear(name, Input(inputs, 0, where), reader.Linear()),
                    _ => throw new EngineException($"{where}: unknown op '{opText}'"),
                };
            }
            catch (GraphBuildException e)
            {
                throw new EngineException($"graph '{graphName}': {e.Message}", e);
            }
            int expectedInputs = op switch
            {
                OpKind.Input => 0,
                OpKind.Add or OpKind.UpsampleNearest2xAdd => 2,
                OpKind.Conv2d => inputs.Length is 1 or 2 ? inputs.Length : -1,
                _ => 1,
            };
            if (inputs.Length != expectedInputs)
                throw new EngineException($"{where}: op {op} takes {(expectedInputs < 0 ? "1 or 2" : expectedInputs)} inputs, the file lists {inputs.Length}");
            if (id != index) throw new EngineException($"{where}: rebuilt as node {id}");
            NodeShape rebuilt = builder.ShapeOf(id);
            if (rebuilt != new NodeShape(shape[0], shape[1], shape[2]))
                throw new EngineException($"{where}: the rebuilt node has shape {rebuilt}, the file records {new NodeShape(shape[0], shape[1], shape[2])}");
            index++;
        }
        foreach (JsonElement o in Field(element, "outputs", graphName, JsonValueKind.Array).EnumerateArray())
        {
            string outName = Field(o, "name", $"graph '{graphName}' output", JsonValueKind.String).GetString()!;
            int node = Int(Field(o, "node", $"graph '{graphName}' output '{outName}'", JsonValueKind.Number), $"graph '{graphName}' output '{outName}'");
            if (node < 0 || node >= index) throw new EngineException($"graph '{graphName}' output '{outName}': node {node} does not exist");
            try
            {
                builder.Output(outName, node);
            }
            catch (GraphBuildException e)
            {
                throw new EngineException($"graph '{graphName}': {e.Message}", e);
            }
        }
        try
        {
            return builder.Build();
        }
        catch (GraphBuildException e)
        {
            throw new EngineException($"graph '{graphName}': {e.Message}", e);
        }
    }

    private static void WriteAttributes(Utf8JsonWriter json, Node node, Func<string, float[], int> store)
    {
        switch (node.Attributes)
        {
            case InputAttributes a:
                json.WriteString("input_name", a.InputName);
                break;
            case Conv2dAttributes a:
                WriteConvolution(json, node.Name, a.InChannels, a.OutChannels, (a.KernelH, a.KernelW), (a.StrideH, a.StrideW), (a.PadH, a.PadW), a.Relu, a.Weight, a.Bias, store);
                json.WriteNumber("dilation", a.Dilation);
                json.WriteNumber("groups", a.Groups);
                break;
            case FrozenBatchNormAttributes a:
                WriteTensor(json, "weight", node.Name + ".weight", a.Weight, store);
                WriteTensor(json, "bias", node.Name + ".bias", a.Bias, store);
                WriteTensor(json, "running_mean", node.Name + ".running_mean", a.RunningMean, store);
                WriteTensor(json, "running_var", node.Name + ".running_var", a.RunningVar, store);
                json.WriteNumber("eps", a.Eps);
                break;
            case MaxPool2dAttributes a:
                json.WriteNumber("kernel", a.Kernel);
                json.WriteNumber("stride", a.Stride);
                json.WriteNumber("pad", a.Pad);
                break;
            case ConvTranspose2dAttributes a:
                WriteConvolution(json, node.Name, a.InChannels, a.OutChannels, (a.KernelH, a.KernelW), (a.StrideH, a.StrideW), (a.PadH, a.PadW), a.Relu, a.Weight, a.Bias, store);
                break;
            case LinearAttributes a:
                json.WriteNumber("in_features", a.InFeatures);
                json.WriteNumber("out_features", a.OutFeatures);
                json.WriteBoolean("relu", a.Relu);
                WriteTensor(json, "weight", node.Name + ".weight", a.Weight, store);
                WriteTensor(json, "bias", node.Name + ".bias", a.Bias, store);
                break;
            case NoAttributes:
                break;
            default:
                throw new EngineException($"node '{node.Name}': attributes {node.Attributes.GetType().Name} have no engine encoding");
        }
    }

    /// <summary>The fields a convolution and a transposed convolution share.</summary>
    private static void WriteConvolution(Utf8JsonWriter json, string node, int inChannels, int outChannels, (int H, int W) kernel, (int H, int W) stride,
        (int H, int W) pad, bool relu, float[] weight, float[]? bias, Func<string, float[], int> store)
    {
        json.WriteNumber("in_channels", inChannels);
        json.WriteNumber("out_channels", outChannels);
        foreach ((string name, (int h, int w)) in new[] { ("kernel", kernel), ("stride", stride), ("pad", pad) })
        {
            json.WriteStartArray(name);
            json.WriteNumberValue(h);
            json.WriteNumberValue(w);
            json.WriteEndArray();
        }
        json.WriteBoolean("relu", relu);
        WriteTensor(json, "weight", node + ".weight", weight, store);
        WriteTensor(json, "bias", node + ".bias", bias, store);
    }

    private static void WriteTensor(Utf8JsonWriter json, string field, string name, float[]? values, Func<string, float[], int> store)
    {
        if (values is null) json.WriteNull(field);
        else json.WriteNumber(field, store(name, values));
    }

    private static int Input(int[] inputs, int i, string where) =>
        i < inputs.Length ? inputs[i] : throw new EngineException($"{where}: input {i} is missing");

    private static JsonElement Field(JsonElement element, string name, string where, JsonValueKind kind)
    {
        if (element.ValueKind != JsonValueKind.Object) throw new EngineException($"{where}: expected a JSON object, found {element.ValueKind}");
        if (!element.TryGetProperty(name, out JsonElement value)) throw new EngineException($"{where}: field '{name}' is missing");
        if (value.ValueKind != kind) throw new EngineException($"{where}: field '{name}' is {value.ValueKind}, expected {kind}");
        return value;
    }

    private static int Int(JsonElement value, string where) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int v) ? v : throw new EngineException($"{where}: '{value}' is not a 32-bit integer");

    /// <summary>Reads one node's attribute object; every error names the node and the field.</summary>
    private sealed class AttributeReader(JsonElement attrs, string where, string nodeName, Func<int, string, long, float[]> load)
    {
        public string String(string field) => Field(attrs, field, where, JsonValueKind.String).GetString()!;

        public int Int(string field) => GraphCodec.Int(Field(attrs, field, where, JsonValueKind.Number), $"{where} field '{field}'");

        public bool Bool(string field)
        {
            if (!attrs.TryGetProperty(field, out JsonElement v)) throw new EngineException($"{where}: field '{field}' is missing");
            return v.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new EngineException($"{where}: field '{field}' is {v.ValueKind}, expected true or false"),
            };
        }

        public (int, int) Pair(string field)
        {
            JsonElement[] v = Field(attrs, field, where, JsonValueKind.Array).EnumerateArray().ToArray();
            if (v.Length != 2) throw new EngineException($"{where}: field '{field}' has {v.Length} values, expected 2");
            return (GraphCodec.Int(v[0], $"{where} field '{field}'"), GraphCodec.Int(v[1], $"{where} field '{field}'"));
        }

        public float Float(string field)
        {
            JsonElement v = Field(attrs, field, where, JsonValueKind.Number);
            return v.TryGetSingle(out float f) && float.IsFinite(f) ? f : throw new EngineException($"{where}: field '{field}' = {v} is not a finite float");
        }

        /// <summary>The tensor a field refers to, which must hold <paramref name="count"/> values.</summary>
        public float[] Tensor(string field, long count) =>
            OptionalTensor(field, count) ?? throw new EngineException($"{where}: field '{field}' is null, the op needs a tensor");

        public float[]? OptionalTensor(string field, long count)
        {
            if (!attrs.TryGetProperty(field, out JsonElement v)) throw new EngineException($"{where}: field '{field}' is missing");
            if (v.ValueKind == JsonValueKind.Null) return null;
            int index = GraphCodec.Int(v, $"{where} field '{field}'");
            return load(index, $"{nodeName}.{field}", count);
        }

        public Conv2dAttributes Conv2d()
        {
            int inC = Int("in_channels"), outC = Int("out_channels"), groups = Int("groups");
            (int kh, int kw) = Pair("kernel");
            if (groups <= 0 || inC <= 0 || outC <= 0 || kh <= 0 || kw <= 0 || inC % groups != 0)
                throw new EngineException($"{where}: invalid convolution in {inC} out {outC} groups {groups} kernel {kh}x{kw}");
            (int sh, int sw) = Pair("stride");
            (int ph, int pw) = Pair("pad");
            return new Conv2dAttributes(inC, outC, kh, kw, sh, sw, ph, pw, Int("dilation"), groups,
                Tensor("weight", (long)outC * (inC / groups) * kh * kw), OptionalTensor("bias", outC), Bool("relu"));
        }

        public ConvTranspose2dAttributes ConvTranspose2d()
        {
            int inC = Int("in_channels"), outC = Int("out_channels");
            (int kh, int kw) = Pair("kernel");
            if (inC <= 0 || outC <= 0 || kh <= 0 || kw <= 0)
                throw new EngineException($"{where}: invalid transposed convolution in {inC} out {outC} kernel {kh}x{kw}");
            (int sh, int sw) = Pair("stride");
            (int ph, int pw) = Pair("pad");
            return new ConvTranspose2dAttributes(inC, outC, kh, kw, sh, sw, ph, pw,
                Tensor("weight", (long)inC * outC * kh * kw), OptionalTensor("bias", outC), Bool("relu"));
        }

        public LinearAttributes Linear()
        {
            int inF = Int("in_features"), outF = Int("out_features");
            if (inF <= 0 || outF <= 0) throw new EngineException($"{where}: invalid linear layer {inF} -> {outF}");
            return new LinearAttributes(inF, outF, Tensor("weight", (long)inF * outF), OptionalTensor("bias", outF), Bool("relu"));
        }

        public FrozenBatchNormAttributes FrozenBatchNorm()
        {
            // The channel count is the input's; the builder checks all four lengths against it.
            float[] weight = Tensor("weight", -1);
            int c = weight.Length;
            return new FrozenBatchNormAttributes(weight, Tensor("bias", c), Tensor("running_mean", c), Tensor("running_var", c), Float("eps"));
        }
    }
}
