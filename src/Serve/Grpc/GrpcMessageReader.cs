using System.Buffers;
using System.IO.Pipelines;
using Google.Protobuf;

namespace Detserve.Serve.Grpc;

/// <summary>Reads length-prefixed protobuf messages from a request body pipe, one at a time.</summary>
public sealed class GrpcMessageReader<T>
    where T : IMessage<T>
{
    private readonly PipeReader _reader;
    private readonly MessageParser<T> _parser;
    private readonly int _maxMessageBytes;

    public GrpcMessageReader(PipeReader reader, MessageParser<T> parser, int maxMessageBytes)
    {
        _reader = reader;
        _parser = parser;
        _maxMessageBytes = maxMessageBytes;
    }

    /// <summary>The next message, or null when the client has half-closed the stream.</summary>
    public async Task<T?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (GrpcFrame.TryRead(ref buffer, _maxMessageBytes, out var payload))
            {
                T message;
                try
                {
                    message = _parser.ParseFrom(payload);
                }
                catch (InvalidProtocolBufferException e)
                {
                    throw new GrpcStatusException(13, $"failed to parse {typeof(T).Name}: {e.Message}");
                }

                _reader.AdvanceTo(buffer.Start);
                return message;
            }

            if (result.IsCompleted)
            {
                if (buffer.Length > 0)
                {
                    throw new GrpcStatusException(13, $"the request stream ended inside a message ({buffer.Length} bytes of an incomplete frame)");
                }

                _reader.AdvanceTo(buffer.End);
                return default;
            }

            _reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
