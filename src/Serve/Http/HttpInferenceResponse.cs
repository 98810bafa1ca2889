namespace Detserve.Serve.Http;

/// <summary>An encoded HTTP inference response: the JSON header, then binary output chunks (empty when all outputs are JSON).</summary>
public sealed record HttpInferenceResponse(byte[] Json, IReadOnlyList<ReadOnlyMemory<byte>> BinaryChunks)
{
    public long BinaryLength => BinaryChunks.Sum(c => (long)c.Length);
}
