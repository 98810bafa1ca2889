using System.Runtime.InteropServices;
using Detserve.Serve.Protocol;
using Google.Protobuf;

namespace Detserve.Serve.Tests.Support;

/// <summary>ModelInferRequest builders for the arithmetic test model.</summary>
public static class GrpcRequests
{
    public static ModelInferRequest Arith(string model, float[] a, float[] b, string id = "", long batch = 1)
    {
        var request = new ModelInferRequest { ModelName = model, Id = id };
        foreach (var name in new[] { "INPUT0", "INPUT1" })
        {
            request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = "FP32", Shape = { batch, a.Length / batch } });
        }

        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(a.AsSpan())));
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(b.AsSpan())));
        return request;
    }

    public static float[] Output(ModelInferResponse response, string name)
    {
        var index = response.Outputs.Select((o, i) => (o, i)).Single(p => p.o.Name == name).i;
        return MemoryMarshal.Cast<byte, float>(response.RawOutputContents[index].Span).ToArray();
    }
}
