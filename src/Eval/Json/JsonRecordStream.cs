using System.Text.Json;

namespace Detserve.Eval.Json;

/// <summary>
/// Streams a large JSON document through a <see cref="Utf8JsonReader"/> over a refillable buffer, so that a COCO file
/// is never held whole in memory: only the current record (one image, annotation or detection object) must fit, and
/// the buffer grows to the largest record up to <see cref="MaxRecordBytes"/>. JSON syntax errors become
/// <see cref="CocoFormatException"/> naming the source and byte offset.
/// </summary>
/// <remarks>
/// The reader is a ref struct, so it travels by <c>ref</c>: every method that may refill takes it and replaces it by a
/// reader over the new buffer that continues from the saved <see cref="JsonReaderState"/>.
/// </remarks>
internal sealed class JsonRecordStream
{
    private const int InitialBufferBytes = 1 << 16;

    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _isFinal;
    private long _bufferOffset;
    private JsonReaderState _state = new(new JsonReaderOptions { MaxDepth = 64 });

    public JsonRecordStream(Stream stream, string sourceName, long maxRecordBytes)
    {
        _stream = stream;
        _buffer = new byte[(int)Math.Clamp(maxRecordBytes, 16, InitialBufferBytes)];
        SourceName = sourceName;
        MaxRecordBytes = maxRecordBytes;
    }

    public string SourceName { get; }

    public long MaxRecordBytes { get; }

    public Utf8JsonReader Start()
    {
        var reader = new Utf8JsonReader(ReadOnlySpan<byte>.Empty, false, _state);
        Refill(ref reader);
        return reader;
    }

    /// <summary>Byte offset in the source of the reader's position.</summary>
    public long Offset(in Utf8JsonReader reader) => _bufferOffset + reader.BytesConsumed;

    /// <summary>Reads the next token, refilling as needed; false only at the end of a complete document.</summary>
    public bool Read(ref Utf8JsonReader reader)
    {
        while (true)
        {
            bool read;
            try
            {
                read = reader.Read();
            }
            catch (JsonException e)
            {
                throw Syntax(reader, e);
            }

            if (read)
            {
                return true;
            }

            if (_isFinal)
            {
                return false;
            }

            Refill(ref reader);
        }
    }

    /// <summary>Reads the next token and fails with <paramref name="what"/> when the document ends first.</summary>
    public void ReadRequired(ref Utf8JsonReader reader, string what)
    {
        if (!Read(ref reader))
        {
            throw new CocoFormatException($"{SourceName}: the JSON ends before {what} (byte {Offset(reader)}).");
        }
    }

    /// <summary>Skips the value that starts at the current token (a scalar or a whole object/array).</summary>
    public void SkipValue(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return;
        }

        int depth = reader.CurrentDepth;
        while (true)
        {
            ReadRequired(ref reader, "the end of a skipped value");
            if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray && reader.CurrentDepth == depth)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Inside an array, makes the next element available whole: returns false at the array's end (the reader then
    /// stands on EndArray); else <paramref name="element"/> stands on the element's first token with all of it in the
    /// buffer (valid until the next call), and the reader has moved past the element.
    /// </summary>
    public bool TryReadElement(ref Utf8JsonReader reader, out Utf8JsonReader element)
    {
        while (true)
        {
            Utf8JsonReader probe = reader;
            try
            {
                if (probe.Read())
                {
                    if (probe.TokenType == JsonTokenType.EndArray)
                    {
                        reader = probe;
                        element = default;
                        return false;
                    }

                    Utf8JsonReader skip = probe;
                    if (skip.TrySkip())
                    {
                        element = probe;
                        reader = skip;
                        return true;
                    }
                }
            }
            catch (JsonException e)
            {
                throw Syntax(probe, e);
            }

            if (_isFinal)
            {
                throw new CocoFormatException($"{SourceName}: the JSON ends inside an array (byte {Offset(reader)}).");
            }

            Refill(ref reader);
        }
    }

    /// <summary>The current property name; invalid UTF-8 becomes a format error.</summary>
    public static string PropertyName(in Utf8JsonReader reader, string sourceName)
    {
        try
        {
            return reader.GetString() ?? string.Empty;
        }
        catch (InvalidOperationException e)
        {
            throw new CocoFormatException($"{sourceName}: invalid property name near byte {reader.TokenStartIndex}: {e.Message}", e);
        }
    }

    public CocoFormatException Syntax(in Utf8JsonReader reader, JsonException e) =>
        new($"{SourceName}: invalid JSON near byte {Offset(reader)}: {e.Message}", e);

    private void Refill(ref Utf8JsonReader reader)
    {
        _state = reader.CurrentState;
        _start += (int)reader.BytesConsumed;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _bufferOffset += _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= MaxRecordBytes)
            {
                throw new CocoFormatException(
                    $"{SourceName}: a single JSON value near byte {_bufferOffset} is larger than the limit of {MaxRecordBytes} bytes.");
            }

            Array.Resize(ref _buffer, (int)Math.Min(MaxRecordBytes, (long)_buffer.Length * 2));
        }

        int n = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (n == 0)
        {
            _isFinal = true;
        }

        _end += n;
        reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _isFinal, _state);
    }
}
