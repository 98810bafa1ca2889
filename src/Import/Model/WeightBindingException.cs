namespace Detserve.Import.Model;

/// <summary>
/// The weights do not fit the architecture the config describes: one exception lists every missing and every
/// mismatched tensor (expected vs actual shape and the config key that implies the expected shape).
/// </summary>
public class WeightBindingException : ImportException
{
    public WeightBindingException() { }

    public WeightBindingException(string message) : base(message) { }

    public WeightBindingException(string message, Exception inner) : base(message, inner) { }

    /// <summary>The check that failed, when thrown by <see cref="WeightBinder"/>.</summary>
    public WeightCheck? Check { get; init; }
}
