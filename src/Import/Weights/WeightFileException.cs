namespace Detserve.Import.Weights;

/// <summary>
/// A weight file (.pkl pickle or .pth torch zip archive) could not be read: it is corrupt, truncated, hostile,
/// beyond a <see cref="PickleLimits"/> limit, or holds something Detserve does not read.
/// The message names the file, the byte offset and the opcode, global, zip entry or key at fault.
/// </summary>
public class WeightFileException : ImportException
{
    public WeightFileException() { }

    public WeightFileException(string message) : base(message) { }

    public WeightFileException(string message, Exception inner) : base(message, inner) { }
}
