using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Detserve.Serve.Core;

namespace Detserve.Serve.Http;

/// <summary>
/// Encodes a response as KServe v2 JSON, with the binary tensor data extension: an output is sent as raw
/// bytes after the JSON ("parameters": {"binary_data_size": N}) when the client asked for it on that output
/// ("binary_data": true) or for all outputs (request parameter "binary_data_output": true).
/// </summary>
public static class JsonInferenceResponseWriter
{
    public static HttpInferenceResponse Write(InferenceResponse response, InferenceRequest request)
    {
        var defaultBinary = request.Parameters.TryGetValue("binary_data_output", out var b) && b is true;
        var chunks = new List<ReadOnlyMemory<byte>>();
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("model_name", response.ModelName);
            writer.WriteString("model_version", response.ModelVersion);
            if (response.Id.Length > 0)
            {
                writer.WriteString("id", response.Id);
            }

            writer.WriteStartArray("outputs");
            foreach (var output in response.Outputs)
            {
                var requested = request.RequestedOutputs.FirstOrDefault(r => r.Name == output.Name);
                var binary = requested?.Binary ?? defaultBinary;
                writer.WriteStartObject();
                writer.WriteString("name", output.Name);
                writer.WriteString("datatype", TensorDataTypes.ToWire(output.DataType));
                writer.WriteStartArray("shape");
                foreach (var dim in output.Shape)
                {
                    writer.WriteNumberValue(dim);
                }

                writer.WriteEndArray();
                if (binary)
                {
                    writer.WriteStartObject("parameters");
                    writer.WriteNumber("binary_data_size", output.Data.Length);
                    writer.WriteEndObject();
                    chunks.Add(output.Data);
                }
                else
                {
                    writer.WriteStartArray("data");
                    WriteData(writer, output);
                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return new HttpInferenceResponse(stream.ToArray(), chunks);
    }

    private static void WriteData(Utf8JsonWriter writer, InferTensor tensor)
    {
        var span = tensor.Data.Span;
        switch (tensor.DataType)
        {
            case TensorDataType.Bool:
                foreach (var v in span)
                {
                    writer.WriteBooleanValue(v != 0);
                }

                break;
            case TensorDataType.UInt8:
                foreach (var v in span)
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case TensorDataType.Int8:
                foreach (var v in tensor.AsSpan<sbyte>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case TensorDataType.UInt16:
                foreach (var v in tensor.AsSpan<ushort>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case TensorDataType.Int16:
                foreach (var v in tensor.AsSpan<short>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case TensorDataType.UInt32:
                foreach (var v in tensor.AsSpan<uint>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case TensorDataType.Int32:
                foreach (var v in tensor.AsSpan<int>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case TensorDataType.UInt64:
                foreach (var v in tensor.AsSpan<ulong>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case TensorDataType.Int64:
                foreach (var v in tensor.AsSpan<long>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case TensorDataType.Fp32:
                foreach (var v in tensor.AsSpan<float>())
                {
                    WriteFloating(writer, v, tensor.Name);
                }

                break;
            case TensorDataType.Fp64:
                foreach (var v in tensor.AsSpan<double>())
                {
                    WriteFloating(writer, v, tensor.Name);
                }

                break;
            case TensorDataType.Bytes:
                var offset = 0;
                while (offset < span.Length)
                {
                    var length = BinaryPrimitives.ReadInt32LittleEndian(span[offset..]);
                    writer.WriteStringValue(Encoding.UTF8.GetString(span.Slice(offset + 4, length)));
                    offset += 4 + length;
                }

                break;
            default:
                throw ServeException.InvalidArgument($"output '{tensor.Name}' is {TensorDataTypes.ToWire(tensor.DataType)}, which JSON cannot carry; request it with binary_data");
        }
    }

    private static void WriteFloating(Utf8JsonWriter writer, double value, string name)
    {
        if (!double.IsFinite(value))
        {
            throw ServeException.InvalidArgument($"output '{name}' holds {value}, which JSON cannot carry; request it with binary_data");
        }

        writer.WriteNumberValue(value);
    }

    private static void WriteFloating(Utf8JsonWriter writer, float value, string name)
    {
        if (!float.IsFinite(value))
        {
            throw ServeException.InvalidArgument($"output '{name}' holds {value}, which JSON cannot carry; request it with binary_data");
        }

        writer.WriteNumberValue(value);
    }
}
