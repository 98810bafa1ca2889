using System.Buffers;
using System.Text;
using Detserve.Serve.Core;
using Detserve.Serve.Grpc;
using Detserve.Serve.Http;
using Detserve.Serve.Protocol;
using Detserve.Serve.Scheduling;

namespace Detserve.Serve.Tests;

/// <summary>Seeded random and mutated bytes into the untrusted-input parsers: only the documented exception escapes.</summary>
public sealed class ParserFuzzTests
{
    private const string ValidBody = """
        {"id":"x","parameters":{"binary_data_output":true,"timeout":5},
         "inputs":[{"name":"INPUT0","datatype":"FP32","shape":[1,4],"data":[[1,2,3,4]]},
                   {"name":"INPUT1","datatype":"FP32","shape":[1,4],"parameters":{"binary_data_size":16}}],
         "outputs":[{"name":"OUTPUT0","parameters":{"binary_data":false}}]}
        """;

    [Fact]
    public void HttpInferenceBody_TruncatedAndMutated_OnlyServeExceptionEscapes()
    {
        var json = Encoding.UTF8.GetBytes(ValidBody);
        var body = json.Concat(new byte[16]).ToArray();
        var config = new ModelConfig { Name = "simple", MaxBatchSize = 8 };
        foreach (var name in new[] { "INPUT0", "INPUT1" })
        {
            config.Input.Add(new ModelInput { Name = name, DataType = DataType.TypeFp32, Dims = { 4 } });
        }

        config.Output.Add(new ModelOutput { Name = "OUTPUT0", DataType = DataType.TypeFp32, Dims = { 4 } });
        var parsed = JsonInferenceRequestReader.Read("simple", string.Empty, body, json.Length);
        Assert.Equal(2, parsed.Inputs.Count);
        Assert.Equal(1, RequestValidator.Validate(parsed, config).BatchSize);

        for (var length = 0; length < body.Length; length++)
        {
            ReadOrReject(body.AsMemory(0, length), Math.Min(json.Length, length), config);
        }

        var random = new Random(6);
        const string alphabet = "{}[]:,\"0123456789-.eE truefalsnul\\";
        for (var iteration = 0; iteration < 3000; iteration++)
        {
            var mutated = (byte[])body.Clone();
            for (var e = random.Next(1, 5); e > 0; e--)
            {
                mutated[random.Next(json.Length)] = (byte)alphabet[random.Next(alphabet.Length)];
            }

            ReadOrReject(mutated, random.Next(3) == 0 ? random.Next(-5, body.Length + 5) : json.Length, config);
        }
    }

    [Fact]
    public void GrpcFrames_RandomBytes_OnlyGrpcStatusExceptionEscapes()
    {
        var random = new Random(8);
        for (var iteration = 0; iteration < 3000; iteration++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            if (random.Next(2) == 0 && bytes.Length > 0)
            {
                bytes[0] = 0;
            }

            var buffer = new ReadOnlySequence<byte>(bytes);
            try
            {
                while (GrpcFrame.TryRead(ref buffer, 32, out var payload))
                {
                    try
                    {
                        var request = ModelInferRequest.Parser.ParseFrom(payload);
                        RequestValidator.Validate(GrpcInferCodec.ToRequest(request), new ModelConfig { Name = "m" });
                    }
                    catch (Google.Protobuf.InvalidProtocolBufferException)
                    {
                        // The reader maps this to gRPC status INTERNAL.
                    }
                    catch (ServeException)
                    {
                        // A parsed but invalid request.
                    }
                }
            }
            catch (GrpcStatusException e)
            {
                Assert.True(e.Status is 8 or 12 or 13, $"unexpected status {e.Status}");
            }
        }
    }

    private static void ReadOrReject(ReadOnlyMemory<byte> body, long headerLength, ModelConfig config)
    {
        try
        {
            var request = JsonInferenceRequestReader.Read("simple", string.Empty, body, headerLength);
            RequestValidator.Validate(request, config);
        }
        catch (ServeException)
        {
            // The documented failure.
        }
    }
}
