using System.Numerics;

namespace Detserve.Import.Weights;

/// <summary>
/// Python's equality and hashing for the values a pickle may use as dict keys or set items:
/// None, bool, int, float, str, bytes and tuples of those. As in Python, True == 1 == 1.0.
/// Tuples are compared structurally; their depth is already bounded by <see cref="PickleLimits.MaxDepth"/>.
/// </summary>
internal sealed class PickleKeyComparer : IEqualityComparer<object>
{
    /// <summary>The comparer (stateless).</summary>
    public static PickleKeyComparer Instance { get; } = new();

    /// <summary>The wrapper that stands for Python's None in a dictionary (which cannot hold a null key).</summary>
    public static object NoneKey { get; } = new NoneKeyMarker();

    /// <summary>True for the kinds Python can hash.</summary>
    public static bool IsHashable(object? value) => value switch
    {
        null or bool or long or BigInteger or double or string or byte[] => true,
        object?[] tuple => tuple.All(IsHashable),
        PickleSet set => set.IsFrozen,
        _ => false,
    };

    public new bool Equals(object? x, object? y)
    {
        if (ReferenceEquals(x, y)) return true;
        if (x is null || y is null) return false;
        if (TryNumber(x, out BigInteger xi, out double xd, out bool xIsInt) && TryNumber(y, out BigInteger yi, out double yd, out bool yIsInt))
        {
            if (xIsInt && yIsInt) return xi == yi;
            double a = xIsInt ? (double)xi : xd;
            double b = yIsInt ? (double)yi : yd;
            return a == b;
        }
        return (x, y) switch
        {
            (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
            (byte[] a, byte[] b) => a.AsSpan().SequenceEqual(b),
            (object?[] a, object?[] b) => a.Length == b.Length && a.Zip(b).All(p => Equals(p.First ?? NoneKey, p.Second ?? NoneKey)),
            (PickleSet a, PickleSet b) => a.Count == b.Count && a.Items.All(b.Contains),
            _ => false,
        };
    }

    public int GetHashCode(object obj)
    {
        if (TryNumber(obj, out BigInteger i, out double d, out bool isInt))
        {
            if (isInt) return i.GetHashCode();
            // An integral float must hash like the equal int (Python: hash(1.0) == hash(1)).
            if (double.IsFinite(d) && Math.Floor(d) == d) return new BigInteger(d).GetHashCode();
            return d.GetHashCode();
        }
        switch (obj)
        {
            case string s: return StringComparer.Ordinal.GetHashCode(s);
            case byte[] b:
                {
                    var h = new HashCode();
                    h.AddBytes(b);
                    return h.ToHashCode();
                }
            case object?[] t:
                {
                    var h = new HashCode();
                    foreach (object? item in t) h.Add(GetHashCode(item ?? NoneKey));
                    return h.ToHashCode();
                }
            case PickleSet set: return set.Count;
            default: return System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
        }
    }

    private static bool TryNumber(object value, out BigInteger integer, out double real, out bool isInt)
    {
        integer = default;
        real = 0;
        isInt = true;
        switch (value)
        {
            case bool b: integer = b ? BigInteger.One : BigInteger.Zero; return true;
            case long l: integer = l; return true;
            case BigInteger big: integer = big; return true;
            case double d: real = d; isInt = false; return true;
            default: return false;
        }
    }

    private sealed class NoneKeyMarker
    {
        public override string ToString() => "None";
    }
}
