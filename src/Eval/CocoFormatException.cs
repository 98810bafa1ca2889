namespace Detserve.Eval;

/// <summary>
/// The one exception type of the Eval layer for bad input: a COCO instances file, a results file, a mask or
/// a detection built in memory. The message names the source, the record (index and image id where known)
/// and the field at fault, so a user can find the line to fix.
/// </summary>
public class CocoFormatException : Exception
{
    public CocoFormatException() { }

    public CocoFormatException(string message) : base(message) { }

    public CocoFormatException(string message, Exception inner) : base(message, inner) { }
}
