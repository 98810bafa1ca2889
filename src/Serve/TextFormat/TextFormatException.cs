using Detserve.Serve.Core;

namespace Detserve.Serve.TextFormat;

/// <summary>A config.pbtxt that is not valid protobuf text format for its message; names the source, line and column.</summary>
public sealed class TextFormatException : ServeException
{
    public TextFormatException(string sourceName, int line, int column, string message)
        : base(ServeErrorCode.InvalidArgument, $"{sourceName}:{line}:{column}: {message}")
    {
        SourceName = sourceName;
        Line = line;
        Column = column;
    }

    public string SourceName { get; }

    public int Line { get; }

    public int Column { get; }
}
