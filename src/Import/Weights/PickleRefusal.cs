namespace Detserve.Import.Weights;

/// <summary>
/// Raised inside the pickle machine by the code that applies a global or a persistent id; the machine adds the file,
/// byte offset and opcode and rethrows it as a <see cref="WeightFileException"/>. Never escapes the Weights namespace.
/// </summary>
internal sealed class PickleRefusal : Exception
{
    public PickleRefusal() { }

    public PickleRefusal(string message) : base(message) { }

    public PickleRefusal(string message, Exception inner) : base(message, inner) { }
}
