namespace Detserve.Runtime.Engine;

/// <summary>
/// An engine file cannot be written or read: not an engine, a newer format, truncated, a checksum that does not match, a graph that
/// does not rebuild, or an override an engine cannot take. The message names the file and the field, graph node or tensor at fault.
/// </summary>
public sealed class EngineException : Exception
{
    public EngineException() { }

    public EngineException(string message) : base(message) { }

    public EngineException(string message, Exception inner) : base(message, inner) { }
}
