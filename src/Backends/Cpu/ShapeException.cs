namespace Detserve.Backends.Cpu;

/// <summary>
/// Thrown by a CPU op's entry point when an argument's length or a dimension does not fit the op's contract.
/// The message names the op, the argument, what was expected and what was given (STYLE.md §4).
/// </summary>
public sealed class ShapeException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="op"/>'s <paramref name="argument"/>.</summary>
    public ShapeException(string op, string argument, string expected, string actual)
        : base($"{op}: '{argument}' expected {expected} but got {actual}", argument)
    {
        Op = op;
        Argument = argument;
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The op whose contract was broken (e.g. "Conv2d").</summary>
    public string Op { get; }

    /// <summary>The parameter at fault.</summary>
    public string Argument { get; }

    /// <summary>What the op needed.</summary>
    public string Expected { get; }

    /// <summary>What the caller passed.</summary>
    public string Actual { get; }

    /// <summary>Throws unless <paramref name="actual"/> equals <paramref name="expected"/> (a span length check).</summary>
    internal static void ThrowIfLengthNot(string op, string argument, long expected, int actual)
    {
        if (actual != expected)
            throw new ShapeException(op, argument, $"length {expected}", $"length {actual}");
    }

    /// <summary>Throws unless <paramref name="actual"/> is at least <paramref name="expected"/>.</summary>
    internal static void ThrowIfLengthBelow(string op, string argument, long expected, int actual)
    {
        if (actual < expected)
            throw new ShapeException(op, argument, $"length >= {expected}", $"length {actual}");
    }

    /// <summary>Throws when a dimension or count is not positive.</summary>
    internal static void ThrowIfNotPositive(string op, string argument, int value)
    {
        if (value <= 0)
            throw new ShapeException(op, argument, "a positive value", value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Throws when a dimension or count is negative.</summary>
    internal static void ThrowIfNegative(string op, string argument, int value)
    {
        if (value < 0)
            throw new ShapeException(op, argument, "a non-negative value", value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
