using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Detserve.Serve.Tests;

/// <summary>
/// A test-only protobuf text-format writer (the subset the round-trip property needs: scalars, enums,
/// nested and repeated messages, maps), so parser results can be compared with what was written.
/// </summary>
public static class TestTextFormatWriter
{
    public static string Write(IMessage message)
    {
        var builder = new StringBuilder();
        WriteFields(builder, message, 0);
        return builder.ToString();
    }

    private static void WriteFields(StringBuilder builder, IMessage message, int indent)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            var value = field.Accessor.GetValue(message);
            if (field.IsMap)
            {
                foreach (System.Collections.DictionaryEntry entry in (System.Collections.IDictionary)value)
                {
                    builder.Append(' ', indent).Append(field.Name).Append(" { key: ").Append(Scalar(field.MessageType.FindFieldByNumber(1), entry.Key!)).Append(" value");
                    var valueField = field.MessageType.FindFieldByNumber(2);
                    if (valueField.FieldType == FieldType.Message)
                    {
                        builder.Append(" {\n");
                        WriteFields(builder, (IMessage)entry.Value!, indent + 2);
                        builder.Append(' ', indent).Append("} }\n");
                    }
                    else
                    {
                        builder.Append(": ").Append(Scalar(valueField, entry.Value!)).Append(" }\n");
                    }
                }
            }
            else if (field.IsRepeated)
            {
                var list = (System.Collections.IList)value;
                if (list.Count == 0)
                {
                    continue;
                }

                if (field.FieldType == FieldType.Message)
                {
                    foreach (IMessage item in list)
                    {
                        builder.Append(' ', indent).Append(field.Name).Append(" {\n");
                        WriteFields(builder, item, indent + 2);
                        builder.Append(' ', indent).Append("}\n");
                    }
                }
                else
                {
                    builder.Append(' ', indent).Append(field.Name).Append(": [").Append(string.Join(", ", list.Cast<object>().Select(v => Scalar(field, v)))).Append("]\n");
                }
            }
            else if (field.FieldType == FieldType.Message)
            {
                if (value is IMessage child)
                {
                    builder.Append(' ', indent).Append(field.Name).Append(" <\n");
                    WriteFields(builder, child, indent + 2);
                    builder.Append(' ', indent).Append(">\n");
                }
            }
            else if (field.RealContainingOneof is not null ? field.RealContainingOneof.Accessor.GetCaseFieldDescriptor(message) == field : !IsDefault(value))
            {
                builder.Append(' ', indent).Append(field.Name).Append(": ").Append(Scalar(field, value)).Append('\n');
            }
        }
    }

    private static bool IsDefault(object value) => value switch
    {
        string s => s.Length == 0,
        bool b => !b,
        Enum e => Convert.ToInt32(e, CultureInfo.InvariantCulture) == 0,
        IConvertible c => c.ToDouble(CultureInfo.InvariantCulture) == 0,
        _ => false,
    };

    private static string Scalar(FieldDescriptor field, object value) => field.FieldType switch
    {
        FieldType.String => Quote(Encoding.UTF8.GetBytes((string)value)),
        FieldType.Bytes => Quote(((ByteString)value).ToByteArray()),
        FieldType.Bool => (bool)value ? "true" : "false",
        FieldType.Enum => field.EnumType.FindValueByNumber(Convert.ToInt32(value, CultureInfo.InvariantCulture))?.Name ?? Convert.ToInt32(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        FieldType.Double => Floating((double)value),
        FieldType.Float => Floating((float)value),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };

    private static string Floating(double value) => double.IsPositiveInfinity(value) ? "inf" : double.IsNegativeInfinity(value) ? "-inf" : double.IsNaN(value) ? "nan" : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Octal escapes for everything but printable ASCII, so any byte string survives.</summary>
    private static string Quote(byte[] bytes)
    {
        var builder = new StringBuilder("\"");
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and < 0x7f && b != '"' && b != '\\')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('\\').Append(Convert.ToString(b, 8).PadLeft(3, '0'));
            }
        }

        return builder.Append('"').ToString();
    }
}
