using System.Globalization;
using System.Text;

namespace Detserve.Import.Config;

/// <summary>
/// Facts about config values shared by the reader, the merger and the writer: which CLR types stand for which
/// Python types (yacs' <c>_VALID_TYPES</c>: tuple, list, str, int, float, bool, NoneType) and how Python prints them.
/// </summary>
internal static class CfgValue
{
    /// <summary>A value allowed as a leaf of a <see cref="CfgNode"/> or an item of a <see cref="CfgList"/>.</summary>
    public static bool IsLeaf(object? value) =>
        value is null or bool or long or double or string or CfgList;

    /// <summary>The Python type name yacs would print for this value in a type-mismatch error.</summary>
    public static string PythonTypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        CfgList { IsTuple: true } => "tuple",
        CfgList => "list",
        CfgNode => "CfgNode",
        PythonUnsupportedValue u => u.TypeName,
        _ => value.GetType().Name,
    };

    /// <summary>Python's <c>repr()</c> of a leaf, for error messages.</summary>
    public static string ToPythonRepr(object? value)
    {
        var sb = new StringBuilder();
        AppendRepr(sb, value);
        return sb.ToString();
    }

    private static void AppendRepr(StringBuilder sb, object? value)
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
                sb.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                sb.Append(PythonFloatFormat.Repr(d));
                break;
            case string s:
                sb.Append('\'').Append(s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)).Append('\'');
                break;
            case CfgList list:
                sb.Append(list.IsTuple ? '(' : '[');
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }

                    AppendRepr(sb, list[i]);
                }

                if (list.IsTuple && list.Count == 1)
                {
                    sb.Append(',');
                }

                sb.Append(list.IsTuple ? ')' : ']');
                break;
            case CfgNode:
                sb.Append("CfgNode(...)");
                break;
            default:
                sb.Append(value);
                break;
        }
    }
}
