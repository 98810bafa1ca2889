namespace Detserve.Vision;

/// <summary>
/// The one exception the image decoders let out: the bytes are not a supported, well-formed image within the limits.
/// The message starts with the source name (a path or a request field) and says what was wrong and where.
/// </summary>
public class ImageDecodeException : Exception
{
    public ImageDecodeException() { }

    public ImageDecodeException(string message) : base(message) { }

    public ImageDecodeException(string message, Exception inner) : base(message, inner) { }

    /// <summary>"{sourceName}: {problem}".</summary>
    public ImageDecodeException(string sourceName, string problem, Exception? inner = null)
        : base($"{sourceName}: {problem}", inner)
    {
        SourceName = sourceName;
    }

    /// <summary>The file path or request field the bytes came from, when known.</summary>
    public string? SourceName { get; }
}
