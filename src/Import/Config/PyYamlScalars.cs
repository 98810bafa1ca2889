using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace Detserve.Import.Config;

/// <summary>
/// Plain-scalar typing and construction exactly as PyYAML's <c>yaml.safe_load</c> does it (YAML 1.1 rules of
/// lib/yaml/resolver.py <c>Resolver.add_implicit_resolver</c> and lib/yaml/constructor.py <c>SafeConstructor</c>),
/// since Detectron2's configs and dumps are read and written by PyYAML. Consequences worth knowing:
/// <c>yes/no/on/off</c> are booleans, <c>1e-4</c> (no dot) is a string and <c>1.0e-4</c> a float, <c>010</c> is octal,
/// <c>1_000</c> is an int, <c>1:30</c> is sexagesimal (90), and <c>~</c>, <c>null</c> and the empty scalar are None.
/// </summary>
internal static partial class PyYamlScalars
{
    public const string StrTag = "tag:yaml.org,2002:str";
    public const string IntTag = "tag:yaml.org,2002:int";
    public const string FloatTag = "tag:yaml.org,2002:float";
    public const string BoolTag = "tag:yaml.org,2002:bool";
    public const string NullTag = "tag:yaml.org,2002:null";
    public const string TimestampTag = "tag:yaml.org,2002:timestamp";
    public const string MergeTag = "tag:yaml.org,2002:merge";
    public const string ValueTag = "tag:yaml.org,2002:value";

    /// <summary>
    /// The tag PyYAML's resolver gives a plain scalar (BaseResolver.resolve with implicit[0] true): the first
    /// implicit resolver registered for the scalar's first character whose regex matches, else str.
    /// </summary>
    public static string ResolvePlain(string value)
    {
        if (value.Length == 0)
        {
            return NullTag;
        }

        // Registration order in resolver.py: bool, float, int, merge, null, timestamp, value; each one is consulted
        // only for the first characters it was registered with.
        var first = value[0];
        if ("yYnNtTfFoO".Contains(first, StringComparison.Ordinal) && BoolRegex().IsMatch(value))
        {
            return BoolTag;
        }

        if ("-+0123456789.".Contains(first, StringComparison.Ordinal) && FloatRegex().IsMatch(value))
        {
            return FloatTag;
        }

        if ("-+0123456789".Contains(first, StringComparison.Ordinal) && IntRegex().IsMatch(value))
        {
            return IntTag;
        }

        if (first == '<' && value == "<<")
        {
            return MergeTag;
        }

        if ("~nN".Contains(first, StringComparison.Ordinal) && NullRegex().IsMatch(value))
        {
            return NullTag;
        }

        if (char.IsAsciiDigit(first) && TimestampRegex().IsMatch(value))
        {
            return TimestampTag;
        }

        if (first == '=' && value == "=")
        {
            return ValueTag;
        }

        return StrTag;
    }

    /// <summary>SafeConstructor.construct_yaml_bool: <c>bool_values[value.lower()]</c>.</summary>
    public static bool? ConstructBool(string value) => value.ToLowerInvariant() switch
    {
        "yes" or "true" or "on" => true,
        "no" or "false" or "off" => false,
        _ => null,
    };

    /// <summary>
    /// SafeConstructor.construct_yaml_int: underscores dropped, sign, then 0 / 0b / 0x / leading-0 octal /
    /// sexagesimal <c>a:b:c</c> / decimal. Null when Python's <c>int()</c> would raise, or the value exceeds 64 bits.
    /// </summary>
    public static long? ConstructInt(string value)
    {
        value = value.Replace("_", string.Empty, StringComparison.Ordinal);
        if (value.Length == 0)
        {
            return null;
        }

        var sign = BigInteger.One;
        if (value[0] == '-')
        {
            sign = BigInteger.MinusOne;
        }

        if (value[0] is '+' or '-')
        {
            value = value[1..];
        }

        BigInteger? magnitude;
        if (value == "0")
        {
            magnitude = BigInteger.Zero;
        }
        else if (value.StartsWith("0b", StringComparison.Ordinal))
        {
            magnitude = ParseBase(value[2..], 2);
        }
        else if (value.StartsWith("0x", StringComparison.Ordinal))
        {
            magnitude = ParseBase(value[2..], 16);
        }
        else if (value.Length > 0 && value[0] == '0')
        {
            magnitude = ParseBase(value, 8);
        }
        else if (value.Contains(':', StringComparison.Ordinal))
        {
            magnitude = BigInteger.Zero;
            foreach (var part in value.Split(':'))
            {
                var digit = ParseBase(part, 10);
                if (digit is null)
                {
                    return null;
                }

                magnitude = (magnitude * 60) + digit.Value;
            }
        }
        else
        {
            magnitude = ParseBase(value, 10);
        }

        if (magnitude is null)
        {
            return null;
        }

        var result = sign * magnitude.Value;
        return result >= long.MinValue && result <= long.MaxValue ? (long)result : null;
    }

    /// <summary>
    /// SafeConstructor.construct_yaml_float: underscores dropped, lower-cased, sign, <c>.inf</c>, <c>.nan</c>,
    /// sexagesimal, else Python <c>float()</c>. Null when <c>float()</c> would raise.
    /// </summary>
    public static double? ConstructFloat(string value)
    {
        value = value.Replace("_", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
        if (value.Length == 0)
        {
            return null;
        }

        var sign = 1.0;
        if (value[0] == '-')
        {
            sign = -1.0;
        }

        if (value[0] is '+' or '-')
        {
            value = value[1..];
        }

        if (value == ".inf")
        {
            return sign * double.PositiveInfinity;
        }

        if (value == ".nan")
        {
            return double.NaN;
        }

        if (value.Contains(':', StringComparison.Ordinal))
        {
            var parts = value.Split(':');
            var total = 0.0;
            var scale = 1.0;
            for (var i = parts.Length - 1; i >= 0; i--)
            {
                var digit = PythonFloat(parts[i]);
                if (digit is null)
                {
                    return null;
                }

                total += digit.Value * scale;
                scale *= 60;
            }

            return sign * total;
        }

        var parsed = PythonFloat(value);
        return parsed is null ? null : sign * parsed.Value;
    }

    /// <summary>Python's <c>float(str)</c> on the strings PyYAML hands it: optional sign, digits, dot, exponent, inf/nan words.</summary>
    public static double? PythonFloat(string text)
    {
        var s = text.Trim();
        var body = s.TrimStart('+', '-');
        if (s.Length - body.Length > 1)
        {
            return null;
        }

        var negative = s.StartsWith('-');
        switch (body.ToLowerInvariant())
        {
            case "inf" or "infinity":
                return negative ? double.NegativeInfinity : double.PositiveInfinity;
            case "nan":
                return double.NaN;
        }

        if (!DecimalFloatRegex().IsMatch(body))
        {
            return null;
        }

        var magnitude = double.Parse(body, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture);
        return negative ? -magnitude : magnitude;
    }

    private static BigInteger? ParseBase(string digits, int radix)
    {
        if (digits.Length == 0 || digits.Length > 4096)
        {
            return null;
        }

        var result = BigInteger.Zero;
        foreach (var ch in digits)
        {
            var d = ch switch
            {
                >= '0' and <= '9' => ch - '0',
                >= 'a' and <= 'f' => ch - 'a' + 10,
                >= 'A' and <= 'F' => ch - 'A' + 10,
                _ => 99,
            };
            if (d >= radix)
            {
                return null;
            }

            result = (result * radix) + d;
        }

        return result;
    }

    // The regexes of resolver.py, verbatim in meaning (re.X whitespace removed). Python's `$` also matches before a
    // final newline, which a plain scalar never contains, so `\z` is equivalent here.
    [GeneratedRegex(@"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)\z", RegexOptions.CultureInvariant)]
    private static partial Regex BoolRegex();

    [GeneratedRegex(@"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\z", RegexOptions.CultureInvariant)]
    private static partial Regex FloatRegex();

    [GeneratedRegex(@"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)\z", RegexOptions.CultureInvariant)]
    private static partial Regex IntRegex();

    [GeneratedRegex(@"^(?:~|null|Null|NULL)\z", RegexOptions.CultureInvariant)]
    private static partial Regex NullRegex();

    [GeneratedRegex(@"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)\z", RegexOptions.CultureInvariant)]
    private static partial Regex TimestampRegex();

    [GeneratedRegex(@"^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalFloatRegex();
}
