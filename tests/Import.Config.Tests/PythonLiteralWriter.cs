using System.Globalization;
using System.Text;

namespace Detserve.Import.Config.Tests;

/// <summary>
/// Test-only writer of Python literal source for config values, in varied but valid spellings (quote styles, escapes,
/// underscores, hex, tuple forms), used to check that override parsing reads back exactly what was written.
/// </summary>
internal static class PythonLiteralWriter
{
    public static string Write(object? value, Random style)
    {
        var sb = new StringBuilder();
        Append(sb, value, style);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, object? value, Random style)
    {
        switch (value)
        {
            case null:
                sb.Append("None");
                break;
            case bool b:
                sb.Append(b ? "True" : "False");
                break;
            case long l:
                AppendInt(sb, l, style);
                break;
            case double d:
                var r = d.ToString("R", CultureInfo.InvariantCulture);
                sb.Append(r.Contains('.', StringComparison.Ordinal) || r.Contains('E', StringComparison.Ordinal) ? r : r + ".0");
                break;
            case string s:
                AppendString(sb, s, style);
                break;
            case CfgList list:
                sb.Append(list.IsTuple ? '(' : '[');
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(style.Next(2) == 0 ? ", " : ",");
                    }

                    Append(sb, list[i], style);
                }

                if (list.IsTuple && list.Count == 1)
                {
                    sb.Append(',');
                }
                else if (list.Count > 0 && style.Next(4) == 0)
                {
                    sb.Append(',');
                }

                sb.Append(list.IsTuple ? ')' : ']');
                break;
            default:
                throw new ArgumentException(value.GetType().Name, nameof(value));
        }
    }

    private static void AppendInt(StringBuilder sb, long l, Random style)
    {
        if (l == long.MinValue)
        {
            sb.Append("-9223372036854775808");
            return;
        }

        var sign = l < 0 ? "-" : string.Empty;
        var magnitude = Math.Abs(l);
        switch (style.Next(4))
        {
            case 0 when magnitude > 0:
                sb.Append(sign).Append("0x").Append(magnitude.ToString("x", CultureInfo.InvariantCulture));
                break;
            case 1:
                var digits = magnitude.ToString(CultureInfo.InvariantCulture);
                sb.Append(sign);
                for (var i = 0; i < digits.Length; i++)
                {
                    if (i > 0 && (digits.Length - i) % 3 == 0)
                    {
                        sb.Append('_');
                    }

                    sb.Append(digits[i]);
                }

                break;
            default:
                sb.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
        }
    }

    private static void AppendString(StringBuilder sb, string s, Random style)
    {
        var quote = style.Next(2) == 0 ? '\'' : '"';
        var triple = style.Next(5) == 0;
        var q = triple ? new string(quote, 3) : quote.ToString();
        sb.Append(q);
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '\'' or '"':
                    sb.Append('\\').Append(c);
                    break;
                case < ' ' or '\x7F':
                    sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
                    break;
                default:
                    if (c > '\x7F' && style.Next(2) == 0 && !char.IsSurrogate(c))
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append(q);
    }
}
