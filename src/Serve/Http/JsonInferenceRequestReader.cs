using System.Text;
using System.Text.Json;
using Detserve.Serve.Core;

namespace Detserve.Serve.Http;

/// <summary>
/// Parses a KServe v2 HTTP inference request (docs/protocol/extension_binary_data.md and the KServe v2
/// REST spec): a JSON header, optionally followed by binary tensor data whose offset is the
/// Inference-Header-Content-Length header. Inputs carry their elements either as JSON "data" (flat or nested
/// arrays, row-major) or as "parameters": {"binary_data_size": N} bytes taken in input order from the binary
/// section. Nothing is allocated from a declared shape: element counts are checked against the data present.
/// </summary>
public static class JsonInferenceRequestReader
{
    /// <summary>JSON nesting limit (System.Text.Json's own default is 64 too).</summary>
    public const int MaxDepth = 64;

    public static InferenceRequest Read(string modelName, string modelVersion, ReadOnlyMemory<byte> body, long? headerLength)
    {
        if (headerLength is { } h && (h < 0 || h > body.Length))
        {
            throw ServeException.InvalidArgument($"Inference-Header-Content-Length {h} is outside the {body.Length}-byte body");
        }

        var json = headerLength is { } length ? body[..(int)length] : body;
        var binary = headerLength is { } start ? body[(int)start..] : ReadOnlyMemory<byte>.Empty;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            throw ServeException.InvalidArgument($"failed to parse the request JSON buffer: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw ServeException.InvalidArgument("the request JSON must be an object");
            }

            var id = root.TryGetProperty("id", out var idElement)
                ? idElement.ValueKind == JsonValueKind.String ? idElement.GetString()! : throw ServeException.InvalidArgument("request 'id' must be a string")
                : string.Empty;
            var parameters = root.TryGetProperty("parameters", out var p) ? ReadParameters(p, "request") : new Dictionary<string, object>();
            if (!root.TryGetProperty("inputs", out var inputsElement) || inputsElement.ValueKind != JsonValueKind.Array)
            {
                throw ServeException.InvalidArgument("the request JSON needs an 'inputs' array");
            }

            var inputs = new List<InferTensor>();
            var binaryOffset = 0;
            foreach (var input in inputsElement.EnumerateArray())
            {
                inputs.Add(ReadInput(input, binary, ref binaryOffset));
            }

            if (binaryOffset != binary.Length)
            {
                throw ServeException.InvalidArgument($"the request carries {binary.Length - binaryOffset} bytes of binary data that no input claims");
            }

            var outputs = new List<RequestedOutput>();
            if (root.TryGetProperty("outputs", out var outputsElement))
            {
                if (outputsElement.ValueKind != JsonValueKind.Array)
                {
                    throw ServeException.InvalidArgument("request 'outputs' must be an array");
                }

                foreach (var output in outputsElement.EnumerateArray())
                {
                    var name = RequiredString(output, "name", "output");
                    bool? binaryData = null;
                    if (output.TryGetProperty("parameters", out var op))
                    {
                        var outputParameters = ReadParameters(op, $"output '{name}'");
                        if (outputParameters.TryGetValue("binary_data", out var b))
                        {
                            binaryData = b as bool? ?? throw ServeException.InvalidArgument($"output '{name}': parameter 'binary_data' must be a boolean");
                        }

                        if (outputParameters.ContainsKey("classification") || outputParameters.ContainsKey("shared_memory_region"))
                        {
                            throw new ServeException(ServeErrorCode.Unsupported, $"output '{name}': classification and shared-memory outputs are not supported");
                        }
                    }

                    outputs.Add(new RequestedOutput(name, binaryData));
                }
            }

            return new InferenceRequest(modelName, modelVersion, id, inputs, outputs, parameters);
        }
    }

    private static InferTensor ReadInput(JsonElement input, ReadOnlyMemory<byte> binary, ref int binaryOffset)
    {
        if (input.ValueKind != JsonValueKind.Object)
        {
            throw ServeException.InvalidArgument("each entry of 'inputs' must be an object");
        }

        var name = RequiredString(input, "name", "input");
        var datatypeName = RequiredString(input, "datatype", $"input '{name}'");
        var dataType = TensorDataTypes.Parse(datatypeName, name);
        if (!input.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw ServeException.InvalidArgument($"input '{name}' needs a 'shape' array");
        }

        var shape = new List<long>();
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out var d) || d < 0)
            {
                throw ServeException.InvalidArgument($"input '{name}': shape entries must be non-negative integers");
            }

            shape.Add(d);
        }

        var elementCount = Shapes.ElementCount(shape, name);
        var parameters = input.TryGetProperty("parameters", out var p) ? ReadParameters(p, $"input '{name}'") : new Dictionary<string, object>();
        if (parameters.ContainsKey("shared_memory_region"))
        {
            throw new ServeException(ServeErrorCode.Unsupported, $"input '{name}': shared-memory inputs are not supported");
        }

        if (parameters.TryGetValue("binary_data_size", out var sizeValue))
        {
            if (sizeValue is not long size || size < 0)
            {
                throw ServeException.InvalidArgument($"input '{name}': binary_data_size must be a non-negative integer");
            }

            if (input.TryGetProperty("data", out _))
            {
                throw ServeException.InvalidArgument($"input '{name}' has both 'data' and binary_data_size");
            }

            if (size > binary.Length - binaryOffset)
            {
                throw ServeException.InvalidArgument(
                    $"input '{name}' declares binary_data_size {size} but only {binary.Length - binaryOffset} bytes of binary data remain (truncated request?)");
            }

            var data = binary.Slice(binaryOffset, (int)size);
            binaryOffset += (int)size;
            return new InferTensor(name, dataType, shape, data);
        }

        if (!input.TryGetProperty("data", out var dataElement))
        {
            throw ServeException.InvalidArgument($"input '{name}' has neither 'data' nor binary_data_size");
        }

        var actual = CountElements(dataElement);
        if (actual != elementCount)
        {
            throw ServeException.InvalidArgument($"unable to parse 'data' for input '{name}': shape {Shapes.Format(shape)} has {elementCount} elements but 'data' holds {actual}");
        }

        return new InferTensor(name, dataType, shape, ToBytes(dataElement, dataType, actual, name));
    }

    private static long CountElements(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            return 1;
        }

        var count = 0L;
        foreach (var child in element.EnumerateArray())
        {
            count += CountElements(child);
        }

        return count;
    }

    private static byte[] ToBytes(JsonElement data, TensorDataType type, long count, string name)
    {
        if (type == TensorDataType.Bytes)
        {
            var elements = new List<ReadOnlyMemory<byte>>();
            foreach (var e in Flatten(data))
            {
                elements.Add(e.ValueKind == JsonValueKind.String
                    ? Encoding.UTF8.GetBytes(e.GetString()!)
                    : throw ServeException.InvalidArgument($"input '{name}': BYTES elements must be JSON strings"));
            }

            return InferTensor.FromByteStrings(name, [elements.Count], elements).Data.ToArray();
        }

        if (type is TensorDataType.Fp16 or TensorDataType.Bf16)
        {
            throw ServeException.InvalidArgument($"input '{name}': {TensorDataTypes.ToWire(type)} data must be sent as binary data, not JSON");
        }

        var size = TensorDataTypes.ElementSize(type);
        var bytes = new byte[count * size];
        var span = bytes.AsSpan();
        var index = 0;
        foreach (var e in Flatten(data))
        {
            var destination = span.Slice(index * size, size);
            var ok = type switch
            {
                TensorDataType.Bool => e.ValueKind is JsonValueKind.True or JsonValueKind.False && Write(destination, (byte)(e.GetBoolean() ? 1 : 0)),
                TensorDataType.UInt8 => e.ValueKind == JsonValueKind.Number && e.TryGetByte(out var u8) && Write(destination, u8),
                TensorDataType.Int8 => e.ValueKind == JsonValueKind.Number && e.TryGetSByte(out var i8) && Write(destination, i8),
                TensorDataType.UInt16 => e.ValueKind == JsonValueKind.Number && e.TryGetUInt16(out var u16) && Write(destination, u16),
                TensorDataType.Int16 => e.ValueKind == JsonValueKind.Number && e.TryGetInt16(out var i16) && Write(destination, i16),
                TensorDataType.UInt32 => e.ValueKind == JsonValueKind.Number && e.TryGetUInt32(out var u32) && Write(destination, u32),
                TensorDataType.Int32 => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var i32) && Write(destination, i32),
                TensorDataType.UInt64 => e.ValueKind == JsonValueKind.Number && e.TryGetUInt64(out var u64) && Write(destination, u64),
                TensorDataType.Int64 => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var i64) && Write(destination, i64),
                TensorDataType.Fp32 => e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var f32) && Write(destination, (float)f32),
                TensorDataType.Fp64 => e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var f64) && Write(destination, f64),
                _ => false,
            };
            if (!ok)
            {
                throw ServeException.InvalidArgument($"unable to parse 'data' for input '{name}': element {index} ({e.GetRawText()}) is not a valid {TensorDataTypes.ToWire(type)}");
            }

            index++;
        }

        return bytes;
    }

    private static bool Write<T>(Span<byte> destination, T value)
        where T : unmanaged
    {
        System.Runtime.InteropServices.MemoryMarshal.Write(destination, in value);
        return true;
    }

    private static IEnumerable<JsonElement> Flatten(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            yield return element;
            yield break;
        }

        foreach (var child in element.EnumerateArray())
        {
            foreach (var leaf in Flatten(child))
            {
                yield return leaf;
            }
        }
    }

    /// <summary>KServe parameters: an object of bool, integer, floating-point or string values.</summary>
    public static Dictionary<string, object> ReadParameters(JsonElement element, string owner)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw ServeException.InvalidArgument($"{owner} 'parameters' must be an object");
        }

        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            result[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.String => property.Value.GetString()!,
                JsonValueKind.Number when property.Value.TryGetInt64(out var l) => l,
                JsonValueKind.Number when property.Value.TryGetUInt64(out var ul) => ul,
                JsonValueKind.Number => property.Value.GetDouble(),
                _ => throw ServeException.InvalidArgument($"{owner} parameter '{property.Name}' must be a bool, number or string"),
            };
        }

        return result;
    }

    private static string RequiredString(JsonElement element, string property, string owner)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(property, out var value) || value.ValueKind != JsonValueKind.String)
        {
            throw ServeException.InvalidArgument($"{owner} needs a string '{property}'");
        }

        return value.GetString()!;
    }
}
