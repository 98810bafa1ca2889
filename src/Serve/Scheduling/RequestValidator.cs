using System.Buffers.Binary;
using Detserve.Serve.Core;
using Detserve.Serve.Protocol;

namespace Detserve.Serve.Scheduling;

/// <summary>
/// Checks a request against its model's config before it is queued, with Triton's messages
/// (core InferenceRequest::Normalize / ValidateRequestInputs): known and complete inputs, datatypes,
/// shapes (batch dimension within max_batch_size), byte sizes, BYTES element framing, known outputs.
/// </summary>
public static class RequestValidator
{
    public static ScheduledRequest Validate(InferenceRequest request, ModelConfig config)
    {
        var model = config.Name;
        var configInputs = config.Input.ToDictionary(i => i.Name);
        var seen = new HashSet<string>();
        long? batchSize = null;
        foreach (var input in request.Inputs)
        {
            if (!seen.Add(input.Name))
            {
                throw ServeException.InvalidArgument($"input '{input.Name}' is specified more than once for model '{model}'");
            }

            if (!configInputs.TryGetValue(input.Name, out var expected))
            {
                throw ServeException.InvalidArgument($"unexpected inference input '{input.Name}' for model '{model}'");
            }

            var expectedType = TensorDataTypes.FromConfig(expected.DataType, $"model '{model}' input '{input.Name}'");
            if (input.DataType != expectedType)
            {
                throw ServeException.InvalidArgument(
                    $"inference input '{input.Name}' data-type is '{TensorDataTypes.ToWire(input.DataType)}', but model '{model}' expects '{TensorDataTypes.ToWire(expectedType)}'");
            }

            IReadOnlyList<long> fullDims = config.MaxBatchSize > 0 ? [-1, .. expected.Dims] : expected.Dims;
            if (!ShapeMatches(input.Shape, fullDims))
            {
                throw ServeException.InvalidArgument(
                    $"unexpected shape for input '{input.Name}' for model '{model}'. Expected {Shapes.Format(fullDims)}, got {Shapes.Format(input.Shape)}");
            }

            if (config.MaxBatchSize > 0)
            {
                var batch = input.Shape[0];
                if (batch < 1 || batch > config.MaxBatchSize)
                {
                    throw ServeException.InvalidArgument($"inference request batch-size must be <= {config.MaxBatchSize} for '{model}' (input '{input.Name}' has batch {batch})");
                }

                if (batchSize is { } other && other != batch)
                {
                    throw ServeException.InvalidArgument($"input '{input.Name}' has batch size {batch} but other inputs of the request have {other}");
                }

                batchSize = batch;
            }

            ValidateData(input, model);
        }

        var missing = config.Input.Where(i => !i.Optional && !seen.Contains(i.Name)).Select(i => i.Name).ToArray();
        if (missing.Length > 0)
        {
            throw ServeException.InvalidArgument(
                $"expected {config.Input.Count(i => !i.Optional)} inputs but got {request.Inputs.Count} inputs for model '{model}'. Got input(s) [{string.Join(", ", request.Inputs.Select(i => "'" + i.Name + "'"))}], but missing required input(s) [{string.Join(", ", missing.Select(m => "'" + m + "'"))}]");
        }

        var outputs = new HashSet<string>();
        var configOutputs = config.Output.Select(o => o.Name).ToHashSet();
        foreach (var requested in request.RequestedOutputs)
        {
            if (!configOutputs.Contains(requested.Name))
            {
                throw ServeException.InvalidArgument($"unexpected inference output '{requested.Name}' for model '{model}'");
            }

            if (!outputs.Add(requested.Name))
            {
                throw ServeException.InvalidArgument($"output '{requested.Name}' is requested more than once for model '{model}'");
            }
        }

        return new ScheduledRequest(request, batchSize ?? 1, outputs);
    }

    private static bool ShapeMatches(IReadOnlyList<long> shape, IReadOnlyList<long> dims)
    {
        if (shape.Count != dims.Count)
        {
            return false;
        }

        for (var i = 0; i < shape.Count; i++)
        {
            if (shape[i] < 0 || (dims[i] != -1 && dims[i] != shape[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The data holds exactly the declared elements: byte size for fixed types, element framing for BYTES.</summary>
    private static void ValidateData(InferTensor input, string model)
    {
        var count = Shapes.ElementCount(input.Shape, input.Name);
        var elementSize = TensorDataTypes.ElementSize(input.DataType);
        if (elementSize > 0)
        {
            if (count > long.MaxValue / elementSize || count * elementSize != input.Data.Length)
            {
                var expected = count > long.MaxValue / elementSize ? "more than can be addressed" : (count * elementSize).ToString(System.Globalization.CultureInfo.InvariantCulture);
                throw ServeException.InvalidArgument(
                    $"input byte size mismatch for input '{input.Name}' for model '{model}'. Expected {expected}, got {input.Data.Length}");
            }

            return;
        }

        var span = input.Data.Span;
        var offset = 0;
        var elements = 0L;
        while (offset < span.Length)
        {
            if (span.Length - offset < 4)
            {
                throw ServeException.InvalidArgument($"BYTES input '{input.Name}' for model '{model}': truncated element length at byte offset {offset}");
            }

            var length = BinaryPrimitives.ReadUInt32LittleEndian(span[offset..]);
            if (length > (uint)(span.Length - offset - 4))
            {
                throw ServeException.InvalidArgument(
                    $"BYTES input '{input.Name}' for model '{model}': element {elements} at byte offset {offset} declares {length} bytes but only {span.Length - offset - 4} remain");
            }

            offset += 4 + (int)length;
            elements++;
        }

        if (elements != count)
        {
            throw ServeException.InvalidArgument(
                $"expected {count} string elements for inference input '{input.Name}' for model '{model}', got {elements}");
        }
    }
}
