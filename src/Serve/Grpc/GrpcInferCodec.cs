using System.Runtime.InteropServices;
using Detserve.Serve.Core;
using Detserve.Serve.Protocol;
using Google.Protobuf;

namespace Detserve.Serve.Grpc;

/// <summary>
/// ModelInferRequest/ModelInferResponse to and from the protocol-neutral types. Inputs come either from
/// raw_input_contents (one entry per input, in order: what Triton's clients send) or from the typed
/// InferTensorContents lists; outputs always go out as raw_output_contents, as Triton's server does.
/// </summary>
public static class GrpcInferCodec
{
    public static InferenceRequest ToRequest(ModelInferRequest message)
    {
        if (message.RawInputContents.Count > 0 && message.RawInputContents.Count != message.Inputs.Count)
        {
            throw ServeException.InvalidArgument(
                $"the request has {message.Inputs.Count} inputs but {message.RawInputContents.Count} raw_input_contents; raw contents must be given for every input or none");
        }

        var inputs = new List<InferTensor>(message.Inputs.Count);
        for (var i = 0; i < message.Inputs.Count; i++)
        {
            var input = message.Inputs[i];
            if (input.Parameters.ContainsKey("shared_memory_region"))
            {
                throw new ServeException(ServeErrorCode.Unsupported, $"input '{input.Name}': shared-memory inputs are not supported");
            }

            var dataType = TensorDataTypes.Parse(input.Datatype, input.Name);
            var shape = input.Shape.ToArray();
            _ = Shapes.ElementCount(shape, input.Name);
            ReadOnlyMemory<byte> data;
            if (message.RawInputContents.Count > 0)
            {
                if (input.Contents is not null && HasContents(input.Contents))
                {
                    throw ServeException.InvalidArgument($"input '{input.Name}' has both contents and raw_input_contents");
                }

                data = message.RawInputContents[i].Memory;
            }
            else
            {
                try
                {
                    data = FromContents(input.Contents ?? new InferTensorContents(), dataType, input.Name);
                }
                catch (OverflowException)
                {
                    throw ServeException.InvalidArgument($"input '{input.Name}': a contents value is out of range for {input.Datatype}");
                }
            }

            inputs.Add(new InferTensor(input.Name, dataType, shape, data));
        }

        var outputs = message.Outputs.Select(o =>
            o.Parameters.ContainsKey("shared_memory_region") || o.Parameters.ContainsKey("classification")
                ? throw new ServeException(ServeErrorCode.Unsupported, $"output '{o.Name}': classification and shared-memory outputs are not supported")
                : new RequestedOutput(o.Name)).ToArray();
        return new InferenceRequest(message.ModelName, message.ModelVersion, message.Id, inputs, outputs, ToParameters(message.Parameters));
    }

    public static ModelInferResponse ToMessage(InferenceResponse response)
    {
        var message = new ModelInferResponse { ModelName = response.ModelName, ModelVersion = response.ModelVersion, Id = response.Id };
        foreach (var output in response.Outputs)
        {
            var tensor = new ModelInferResponse.Types.InferOutputTensor { Name = output.Name, Datatype = TensorDataTypes.ToWire(output.DataType) };
            tensor.Shape.AddRange(output.Shape);
            message.Outputs.Add(tensor);
            message.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(output.Data));
        }

        return message;
    }

    public static Dictionary<string, object> ToParameters(IDictionary<string, InferParameter> parameters)
    {
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, value) in parameters)
        {
            result[name] = value.ParameterChoiceCase switch
            {
                InferParameter.ParameterChoiceOneofCase.BoolParam => value.BoolParam,
                InferParameter.ParameterChoiceOneofCase.Int64Param => value.Int64Param,
                InferParameter.ParameterChoiceOneofCase.Uint64Param => value.Uint64Param,
                InferParameter.ParameterChoiceOneofCase.DoubleParam => value.DoubleParam,
                InferParameter.ParameterChoiceOneofCase.StringParam => value.StringParam,
                _ => throw ServeException.InvalidArgument($"parameter '{name}' has no value"),
            };
        }

        return result;
    }

    private static bool HasContents(InferTensorContents c) =>
        c.BoolContents.Count + c.IntContents.Count + c.Int64Contents.Count + c.UintContents.Count + c.Uint64Contents.Count
        + c.Fp32Contents.Count + c.Fp64Contents.Count + c.BytesContents.Count > 0;

    private static byte[] FromContents(InferTensorContents contents, TensorDataType type, string name)
    {
        return type switch
        {
            TensorDataType.Bool => contents.BoolContents.Select(b => (byte)(b ? 1 : 0)).ToArray(),
            TensorDataType.UInt8 => contents.UintContents.Select(v => checked((byte)v)).ToArray(),
            TensorDataType.UInt16 => Bytes(contents.UintContents.Select(v => checked((ushort)v)).ToArray()),
            TensorDataType.UInt32 => Bytes(contents.UintContents.ToArray()),
            TensorDataType.UInt64 => Bytes(contents.Uint64Contents.ToArray()),
            TensorDataType.Int8 => Bytes(contents.IntContents.Select(v => checked((sbyte)v)).ToArray()),
            TensorDataType.Int16 => Bytes(contents.IntContents.Select(v => checked((short)v)).ToArray()),
            TensorDataType.Int32 => Bytes(contents.IntContents.ToArray()),
            TensorDataType.Int64 => Bytes(contents.Int64Contents.ToArray()),
            TensorDataType.Fp32 => Bytes(contents.Fp32Contents.ToArray()),
            TensorDataType.Fp64 => Bytes(contents.Fp64Contents.ToArray()),
            TensorDataType.Bytes => InferTensor.FromByteStrings(name, [contents.BytesContents.Count], contents.BytesContents.Select(b => b.Memory).ToArray()).Data.ToArray(),
            _ => throw ServeException.InvalidArgument($"input '{name}': {TensorDataTypes.ToWire(type)} must be sent in raw_input_contents"),
        };
    }

    private static byte[] Bytes<T>(T[] values)
        where T : unmanaged => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
