using System.Globalization;
using System.Text;

namespace Detserve.Import.Config;

/// <summary>
/// Writes a config as yacs' <c>CfgNode.dump()</c> does (<c>yaml.safe_dump</c> of nested dicts: keys sorted, block
/// style, sequences not indented under their key, <c>[]</c>/<c>{}</c> for empty collections, tuples as sequences,
/// floats as Python's repr with PyYAML's <c>.0</c> fix-up, <c>.inf</c>/<c>.nan</c>). Strings that PyYAML would
/// read back as something else (<c>'yes'</c>, <c>'1e-4'</c> is fine plain, <c>'800'</c> is not) are quoted, so the
/// text reads back to the same tree. No anchors are written.
/// </summary>
internal static class CfgYamlWriter
{
    public static string Write(CfgNode node)
    {
        var sb = new StringBuilder();
        if (node.Count == 0)
        {
            return "{}\n";
        }

        WriteMapping(sb, node, 0);
        return sb.ToString();
    }

    private static void WriteMapping(StringBuilder sb, CfgNode node, int indent)
    {
        var keys = node.Keys.ToList();
        keys.Sort(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            node.TryGetChild(key, out var value);
            sb.Append(' ', indent).Append(Scalar(key)).Append(':');
            switch (value)
            {
                case CfgNode { Count: 0 }:
                    sb.Append(" {}\n");
                    break;
                case CfgNode child:
                    sb.Append('\n');
                    WriteMapping(sb, child, indent + 2);
                    break;
                case CfgList { Count: 0 }:
                    sb.Append(" []\n");
                    break;
                case CfgList list:
                    sb.Append('\n');
                    WriteSequence(sb, list, indent, null);
                    break;
                default:
                    sb.Append(' ').Append(Scalar(value)).Append('\n');
                    break;
            }
        }
    }

    /// <summary>
    /// One item per line, "- " at <paramref name="indent"/>; a nested non-empty list starts on the same line
    /// (<c>- - 32</c>), its further items two columns in, as PyYAML lays them out.
    /// </summary>
    private static void WriteSequence(StringBuilder sb, CfgList list, int indent, string? firstLinePrefix)
    {
        for (var i = 0; i < list.Count; i++)
        {
            var lead = i == 0 && firstLinePrefix is not null ? firstLinePrefix : new string(' ', indent);
            switch (list[i])
            {
                case CfgList { Count: > 0 } inner:
                    WriteSequence(sb, inner, indent + 2, lead + "- ");
                    break;
                case CfgList:
                    sb.Append(lead).Append("- []\n");
                    break;
                default:
                    sb.Append(lead).Append("- ").Append(Scalar(list[i])).Append('\n');
                    break;
            }
        }
    }

    /// <summary>A scalar as PyYAML's SafeRepresenter writes it (represent_none/bool/int/float/str).</summary>
    internal static string Scalar(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => Float(d),
        string s => String(s),
        _ => throw new ArgumentException($"not a config scalar: {value.GetType().Name}", nameof(value)),
    };

    /// <summary>SafeRepresenter.represent_float: repr, lower-cased, ".0" added before an exponent without a dot.</summary>
    private static string Float(double d)
    {
        if (double.IsNaN(d))
        {
            return ".nan";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? ".inf" : "-.inf";
        }

        var repr = PythonFloatFormat.Repr(d);
        return repr.Contains('e', StringComparison.Ordinal) && !repr.Contains('.', StringComparison.Ordinal)
            ? repr.Replace("e", ".0e", StringComparison.Ordinal)
            : repr;
    }

    private static string String(string s)
    {
        if (IsSafePlain(s))
        {
            return s;
        }

        if (s.All(c => c is >= ' ' and <= '~' || (c >= '\xA0' && c != '\uFEFF' && !char.IsSurrogate(c) && c <= '\uFFFD')))
        {
            return "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";
        }

        var sb = new StringBuilder("\"");
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"\\U{char.ConvertToUtf32(c, s[i + 1]):X8}");
                        i++;
                    }
                    else if (c is >= ' ' and <= '~')
                    {
                        sb.Append(c);
                    }
                    else
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }

    /// <summary>
    /// Conservative: ASCII letters, digits and <c>_ . / : + - @ ( ) , ' " = ~</c>-free text that PyYAML resolves as a str
    /// and YAML reads as one plain scalar in block context.
    /// </summary>
    private static bool IsSafePlain(string s)
    {
        if (s.Length == 0 || PyYamlScalars.ResolvePlain(s) != PyYamlScalars.StrTag)
        {
            return false;
        }

        if (s[0] is '-' or ':' || s.StartsWith("...", StringComparison.Ordinal) || s[^1] == ':')
        {
            return false;
        }

        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '/' or ':' or '+' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
