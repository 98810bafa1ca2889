namespace Detserve.Import;

/// <summary>
/// The one exception type of the Import layer: a config, weight file or binding problem.
/// The message always names the file and the place in it (YAML key path and line, byte offset and opcode, tensor name).
/// </summary>
public class ImportException : Exception
{
    public ImportException() { }

    public ImportException(string message) : base(message) { }

    public ImportException(string message, Exception inner) : base(message, inner) { }
}
