using System.Buffers;
using System.Buffers.Binary;

namespace Detserve.Serve.Grpc;

/// <summary>
/// gRPC's length-prefixed message framing over HTTP/2 DATA (grpc/grpc doc/PROTOCOL-HTTP2.md, "Length-Prefixed-Message"):
/// <code>
/// +------------------+---------------------------------+------------------------+
/// | Compressed-Flag  | Message-Length (4 bytes, big    | Message (Length bytes) |
/// | (1 byte, 0 or 1) | endian, unsigned)               |                        |
/// +------------------+---------------------------------+------------------------+
/// </code>
/// </summary>
public static class GrpcFrame
{
    public const int HeaderSize = 5;

    /// <summary>
    /// Takes one complete message from the front of <paramref name="buffer"/>. Returns false when more bytes
    /// are needed. The length is checked against <paramref name="maxMessageBytes"/> before anything is buffered.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxMessageBytes, out ReadOnlySequence<byte> message)
    {
        message = default;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        if (header[0] > 1)
        {
            throw new GrpcStatusException(13, $"invalid gRPC compressed flag {header[0]} (must be 0 or 1)");
        }

        if (header[0] == 1)
        {
            throw new GrpcStatusException(12, "compressed gRPC messages are not supported; send grpc-encoding identity");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxMessageBytes)
        {
            throw new GrpcStatusException(8, $"received message larger than max ({length} vs. {maxMessageBytes})");
        }

        if (buffer.Length - HeaderSize < length)
        {
            return false;
        }

        message = buffer.Slice(HeaderSize, length);
        buffer = buffer.Slice(HeaderSize + length);
        return true;
    }

    public static void WriteHeader(Span<byte> destination, int length)
    {
        destination[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }
}
