namespace Detserve.Cli;

/// <summary>A user-facing error of the command line: bad option values, unreadable files, failed checks.</summary>
public sealed class CliException : Exception
{
    public CliException() { }

    public CliException(string message) : base(message) { }

    public CliException(string message, Exception inner) : base(message, inner) { }
}
