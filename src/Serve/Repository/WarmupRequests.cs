using Detserve.Serve.Backends;
using Detserve.Serve.Core;
using Detserve.Serve.Protocol;

namespace Detserve.Serve.Repository;

/// <summary>
/// Builds the synthetic requests of a config's model_warmup entries (model_configuration.md "Model Warmup"):
/// zero_data, random_data (seeded, so warm-up is reproducible) or input_data_file read from the model's
/// warmup/ folder; batch_size is prepended when the model batches; each sample runs max(count, 1) times.
/// </summary>
public static class WarmupRequests
{
    public static IReadOnlyList<(string Name, BackendRequest Request, int Count)> Build(ModelConfig config, string modelDirectory)
    {
        var result = new List<(string, BackendRequest, int)>();
        foreach (var warmup in config.ModelWarmup)
        {
            var inputs = new List<InferTensor>();
            foreach (var (name, input) in warmup.Inputs)
            {
                var where = $"model '{config.Name}' warmup '{warmup.Name}' input '{name}'";
                var type = TensorDataTypes.FromConfig(input.DataType, where);
                IReadOnlyList<long> shape = config.MaxBatchSize > 0 ? [Math.Max(1, warmup.BatchSize), .. input.Dims] : [.. input.Dims];
                var count = Shapes.ElementCount(shape, name);
                byte[] data;
                if (input.InputDataTypeCase == ModelWarmup.Types.Input.InputDataTypeOneofCase.InputDataFile)
                {
                    var path = Path.Combine(modelDirectory, "warmup", input.InputDataFile);
                    if (!File.Exists(path))
                    {
                        throw ServeException.InvalidArgument($"{where}: input_data_file {path} does not exist");
                    }

                    var bytes = File.ReadAllBytes(path);
                    // For BYTES the file's content is one element, repeated for every element of the shape.
                    data = type == TensorDataType.Bytes
                        ? InferTensor.FromByteStrings(name, shape, Enumerable.Repeat<ReadOnlyMemory<byte>>(bytes, (int)count).ToArray()).Data.ToArray()
                        : bytes;
                }
                else if (type == TensorDataType.Bytes)
                {
                    data = InferTensor.FromByteStrings(name, shape, Enumerable.Repeat(ReadOnlyMemory<byte>.Empty, (int)count).ToArray()).Data.ToArray();
                }
                else
                {
                    data = new byte[Shapes.ByteSize(shape, type, name, 1L << 31)];
                    if (input.InputDataTypeCase == ModelWarmup.Types.Input.InputDataTypeOneofCase.RandomData)
                    {
                        new Random(1234).NextBytes(data);
                    }
                }

                inputs.Add(new InferTensor(name, type, shape, data));
            }

            result.Add((warmup.Name, new BackendRequest(inputs, new HashSet<string>()), (int)Math.Max(1, warmup.Count)));
        }

        return result;
    }
}
