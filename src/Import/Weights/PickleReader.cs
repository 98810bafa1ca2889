namespace Detserve.Import.Weights;

/// <summary>
/// Reads a pickle (protocols 0-5) safely: only the globals of <see cref="PickleAllowlist"/> are admitted and nothing is
/// executed. Python 2 str values are decoded as latin-1 (pickle.load(encoding="latin1"), as Detectron2 loads .pkl files).
/// The value model is described on <see cref="PickleValues"/>.
/// </summary>
public static class PickleReader
{
    /// <summary>Reads one pickle from <paramref name="data"/> (bytes after its STOP are ignored, as pickle.loads does).</summary>
    /// <param name="data">The pickle bytes.</param>
    /// <param name="sourceName">File name used in messages.</param>
    /// <param name="limits">Limits, or null for <see cref="PickleLimits.Default"/>.</param>
    /// <exception cref="WeightFileException">the data is not a pickle Detserve reads; the message names file, offset and opcode.</exception>
    public static object? Read(ReadOnlySpan<byte> data, string sourceName, PickleLimits? limits = null) =>
        Read(data.ToArray(), data.Length, sourceName, limits ?? PickleLimits.Default, persistentLoad: null);

    internal static object? Read(byte[] data, int length, string sourceName, PickleLimits limits, Func<object?, object>? persistentLoad) =>
        new PickleMachine(data, length, sourceName, limits, persistentLoad).Run();
}
