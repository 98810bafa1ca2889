using System.Collections;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Detserve.Serve.TextFormat;

/// <summary>
/// Reads protobuf text format into a generated message through its descriptor, as
/// google::protobuf::TextFormat::Parser does for Triton's config.pbtxt: fields by name, an optional ':'
/// before message values, '{}' or '&lt;&gt;' braces, '[a, b]' lists for repeated fields, maps as repeated
/// key/value entries, enums by name or number, ',' or ';' separators. Everything else (unknown fields,
/// a singular field given twice, two members of one oneof, out-of-range numbers, invalid UTF-8) is a
/// <see cref="TextFormatException"/> naming the line and column, within <see cref="TextFormatLimits"/>.
/// </summary>
public sealed class TextFormatParser
{
    private readonly TextFormatTokenizer _tokenizer;
    private readonly string _sourceName;
    private readonly TextFormatLimits _limits;
    private TextFormatToken _current;

    private TextFormatParser(string text, string sourceName, TextFormatLimits limits)
    {
        _tokenizer = new TextFormatTokenizer(text, sourceName);
        _sourceName = sourceName;
        _limits = limits;
        _current = _tokenizer.Next();
    }

    /// <summary>Parses <paramref name="text"/> as a complete <typeparamref name="T"/>.</summary>
    public static T Parse<T>(string text, string sourceName, TextFormatLimits? limits = null)
        where T : IMessage<T>, new()
    {
        limits ??= TextFormatLimits.Default;
        if (text.Length > limits.MaxInputChars)
        {
            throw new TextFormatException(sourceName, 1, 1, $"input is {text.Length} characters, above the limit of {limits.MaxInputChars}");
        }

        var message = new T();
        var parser = new TextFormatParser(text, sourceName, limits);
        parser.ParseFields(message, depth: 0, closing: null);
        return message;
    }

    /// <summary>Reads a file (UTF-8) and parses it; I/O errors name the file.</summary>
    public static T ParseFile<T>(string path, TextFormatLimits? limits = null)
        where T : IMessage<T>, new()
    {
        limits ??= TextFormatLimits.Default;
        var info = new FileInfo(path);
        if (info.Exists && info.Length > limits.MaxInputChars * 4L)
        {
            throw new TextFormatException(path, 1, 1, $"file is {info.Length} bytes, above the limit");
        }

        string text;
        try
        {
            text = File.ReadAllText(path, new UTF8Encoding(false, throwOnInvalidBytes: true));
        }
        catch (DecoderFallbackException e)
        {
            throw new TextFormatException(path, 1, 1, $"file is not valid UTF-8: {e.Message}");
        }

        return Parse<T>(text, path, limits);
    }

    private void ParseFields(IMessage message, int depth, char? closing)
    {
        if (depth > _limits.MaxDepth)
        {
            throw Error($"messages nest deeper than {_limits.MaxDepth} levels");
        }

        var seen = new HashSet<int>();
        var oneofs = new Dictionary<OneofDescriptor, FieldDescriptor>();
        while (true)
        {
            if (closing is { } close && _current.IsSymbol(close))
            {
                Advance();
                return;
            }

            if (_current.Kind == TextFormatTokenKind.End)
            {
                if (closing is { } expected)
                {
                    throw Error($"unexpected end of input, expected '{expected}'");
                }

                return;
            }

            if (_current.Kind != TextFormatTokenKind.Identifier)
            {
                throw Error($"expected a field name, got '{_current.Text}'");
            }

            var nameToken = _current;
            var field = message.Descriptor.FindFieldByName(nameToken.Text)
                ?? throw Error($"message type \"{message.Descriptor.FullName}\" has no field named \"{nameToken.Text}\"");
            Advance();

            if (!field.IsRepeated && !seen.Add(field.FieldNumber))
            {
                throw Error(nameToken, $"non-repeated field \"{field.Name}\" is specified multiple times");
            }

            if (field.RealContainingOneof is { } oneof)
            {
                if (oneofs.TryGetValue(oneof, out var other) && other != field)
                {
                    throw Error(nameToken, $"field \"{field.Name}\" is specified along with field \"{other.Name}\", another member of oneof \"{oneof.Name}\"");
                }

                oneofs[oneof] = field;
            }

            ParseFieldValue(message, field, depth);

            if (_current.IsSymbol(',') || _current.IsSymbol(';'))
            {
                Advance();
            }
        }
    }

    private void ParseFieldValue(IMessage message, FieldDescriptor field, int depth)
    {
        var isMessage = field.FieldType is FieldType.Message or FieldType.Group;
        var hadColon = false;
        if (_current.IsSymbol(':'))
        {
            hadColon = true;
            Advance();
        }
        else if (!isMessage)
        {
            throw Error($"expected ':' after field \"{field.Name}\"");
        }

        if (field.IsRepeated && _current.IsSymbol('['))
        {
            Advance();
            if (_current.IsSymbol(']'))
            {
                Advance();
                return;
            }

            while (true)
            {
                AddRepeatedValue(message, field, depth);
                if (_current.IsSymbol(','))
                {
                    Advance();
                    continue;
                }

                Expect(']');
                return;
            }
        }

        if (isMessage && !(_current.IsSymbol('{') || _current.IsSymbol('<')))
        {
            throw Error(hadColon ? $"expected '{{' to open message field \"{field.Name}\"" : $"expected ':' or '{{' after field \"{field.Name}\"");
        }

        if (field.IsRepeated)
        {
            AddRepeatedValue(message, field, depth);
        }
        else if (isMessage)
        {
            var child = (IMessage?)field.Accessor.GetValue(message) ?? NewMessage(field.MessageType);
            ParseMessageBody(child, depth + 1);
            field.Accessor.SetValue(message, child);
        }
        else
        {
            field.Accessor.SetValue(message, ParseScalar(field));
        }
    }

    private void AddRepeatedValue(IMessage message, FieldDescriptor field, int depth)
    {
        if (field.IsMap)
        {
            var (key, value) = ParseMapEntry(field, depth + 1);
            ((IDictionary)field.Accessor.GetValue(message))[key] = value;
            return;
        }

        var list = (IList)field.Accessor.GetValue(message);
        if (field.FieldType is FieldType.Message or FieldType.Group)
        {
            var child = NewMessage(field.MessageType);
            ParseMessageBody(child, depth + 1);
            list.Add(child);
        }
        else
        {
            list.Add(ParseScalar(field));
        }
    }

    private void ParseMessageBody(IMessage message, int depth)
    {
        var close = _current.IsSymbol('<') ? '>' : '}';
        if (!_current.IsSymbol('{') && !_current.IsSymbol('<'))
        {
            throw Error($"expected '{{' or '<', got '{_current.Text}'");
        }

        Advance();
        ParseFields(message, depth, close);
    }

    /// <summary>A map entry is written as a message with fields "key" and "value" (text_format.cc treats maps as repeated entries).</summary>
    private (object Key, object Value) ParseMapEntry(FieldDescriptor field, int depth)
    {
        if (depth > _limits.MaxDepth)
        {
            throw Error($"messages nest deeper than {_limits.MaxDepth} levels");
        }

        var entry = field.MessageType;
        var keyField = entry.FindFieldByNumber(1);
        var valueField = entry.FindFieldByNumber(2);
        var close = _current.IsSymbol('<') ? '>' : '}';
        if (!_current.IsSymbol('{') && !_current.IsSymbol('<'))
        {
            throw Error($"expected '{{' to open an entry of map field \"{field.Name}\"");
        }

        Advance();
        object? key = null;
        object? value = null;
        while (!_current.IsSymbol(close))
        {
            if (_current.Kind != TextFormatTokenKind.Identifier)
            {
                throw Error(_current.Kind == TextFormatTokenKind.End ? $"unexpected end of input, expected '{close}'" : $"expected \"key\" or \"value\", got '{_current.Text}'");
            }

            var name = _current;
            Advance();
            if (name.Text == "key")
            {
                if (key is not null)
                {
                    throw Error(name, "map entry has two keys");
                }

                Expect(':');
                key = ParseScalar(keyField);
            }
            else if (name.Text == "value")
            {
                if (value is not null)
                {
                    throw Error(name, "map entry has two values");
                }

                if (valueField.FieldType == FieldType.Message)
                {
                    if (_current.IsSymbol(':'))
                    {
                        Advance();
                    }

                    var child = NewMessage(valueField.MessageType);
                    ParseMessageBody(child, depth + 1);
                    value = child;
                }
                else
                {
                    Expect(':');
                    value = ParseScalar(valueField);
                }
            }
            else
            {
                throw Error(name, $"map entry of \"{field.Name}\" has no field named \"{name.Text}\"");
            }

            if (_current.IsSymbol(',') || _current.IsSymbol(';'))
            {
                Advance();
            }
        }

        Advance();
        key ??= DefaultScalar(keyField);
        value ??= valueField.FieldType == FieldType.Message ? NewMessage(valueField.MessageType) : DefaultScalar(valueField);
        return (key, value);
    }

    private object ParseScalar(FieldDescriptor field)
    {
        var token = _current;
        switch (field.FieldType)
        {
            case FieldType.String:
            {
                var bytes = ExpectString(field);
                try
                {
                    return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
                }
                catch (DecoderFallbackException)
                {
                    throw Error(token, $"string field \"{field.Name}\" is not valid UTF-8");
                }
            }

            case FieldType.Bytes:
                return ByteString.CopyFrom(ExpectString(field));
            case FieldType.Bool:
            {
                var text = ConsumeSignedWord();
                return text switch
                {
                    "true" or "True" or "t" or "1" => true,
                    "false" or "False" or "f" or "0" => false,
                    _ => throw Error(token, $"invalid value for boolean field \"{field.Name}\": \"{text}\""),
                };
            }

            case FieldType.Enum:
            {
                var text = ConsumeSignedWord();
                var enumValue = field.EnumType.FindValueByName(text);
                if (enumValue is null && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) && number is >= int.MinValue and <= int.MaxValue)
                {
                    enumValue = field.EnumType.FindValueByNumber((int)number);
                }

                if (enumValue is null)
                {
                    throw Error(token, $"unknown enumeration value \"{text}\" for field \"{field.Name}\" of type {field.EnumType.FullName}");
                }

                return Enum.ToObject(field.EnumType.ClrType, enumValue.Number);
            }

            case FieldType.Float or FieldType.Double:
            {
                var text = ConsumeSignedWord();
                var value = ParseFloating(text, token, field);
                return field.FieldType == FieldType.Float ? (float)value : value;
            }

            case FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32:
                return (int)ParseInteger(token, field, int.MinValue, int.MaxValue);
            case FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64:
                return (long)ParseInteger(token, field, long.MinValue, long.MaxValue);
            case FieldType.UInt32 or FieldType.Fixed32:
                return (uint)ParseInteger(token, field, 0, uint.MaxValue);
            case FieldType.UInt64 or FieldType.Fixed64:
                return (ulong)ParseInteger(token, field, 0, ulong.MaxValue);
            default:
                throw Error(token, $"field \"{field.Name}\" has unsupported type {field.FieldType}");
        }
    }

    private double ParseFloating(string text, TextFormatToken token, FieldDescriptor field)
    {
        var negative = text.StartsWith('-');
        var body = negative ? text[1..] : text;
        var lowered = body.ToLowerInvariant();
        double value;
        if (lowered is "inf" or "infinity")
        {
            value = double.PositiveInfinity;
        }
        else if (lowered == "nan")
        {
            value = double.NaN;
        }
        else
        {
            // A trailing f/F is allowed on floats ("1.5f"), as in text_format.cc.
            if (lowered.EndsWith('f') && !lowered.StartsWith("0x", StringComparison.Ordinal))
            {
                body = body[..^1];
            }

            if (body.Length == 0 || !(char.IsAsciiDigit(body[0]) || body[0] == '.')
                || !double.TryParse(body, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value))
            {
                throw Error(token, $"invalid value for floating-point field \"{field.Name}\": \"{text}\"");
            }
        }

        return negative ? -value : value;
    }

    private decimal ParseInteger(TextFormatToken token, FieldDescriptor field, decimal min, decimal max)
    {
        var text = ConsumeSignedWord();
        var negative = text.StartsWith('-');
        var body = negative ? text[1..] : text;
        ulong magnitude = 0;
        bool ok;
        if (body.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            ok = ulong.TryParse(body.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out magnitude) && body.Length > 2;
        }
        else if (body.Length > 1 && body[0] == '0')
        {
            ok = TryParseOctal(body.AsSpan(1), out magnitude);
        }
        else
        {
            ok = body.Length > 0 && char.IsAsciiDigit(body[0]) && ulong.TryParse(body, NumberStyles.None, CultureInfo.InvariantCulture, out magnitude);
        }

        if (!ok)
        {
            throw Error(token, $"invalid value for integer field \"{field.Name}\": \"{text}\"");
        }

        var value = negative ? -(decimal)magnitude : magnitude;
        if (value < min || value > max)
        {
            throw Error(token, $"value {text} is out of range for field \"{field.Name}\" ({field.FieldType})");
        }

        return value;
    }

    private static bool TryParseOctal(ReadOnlySpan<char> digits, out ulong value)
    {
        value = 0;
        foreach (var c in digits)
        {
            if (c is < '0' or > '7' || value > (ulong.MaxValue >> 3))
            {
                return false;
            }

            value = (value << 3) + (uint)(c - '0');
        }

        return true;
    }

    /// <summary>A number or identifier, with an optional leading '-' token joined to it.</summary>
    private string ConsumeSignedWord()
    {
        var negative = false;
        if (_current.IsSymbol('-'))
        {
            negative = true;
            Advance();
        }

        if (_current.Kind is not (TextFormatTokenKind.Number or TextFormatTokenKind.Identifier))
        {
            throw Error($"expected a value, got '{_current.Text}'");
        }

        var text = _current.Text;
        Advance();
        return negative ? "-" + text : text;
    }

    private byte[] ExpectString(FieldDescriptor field)
    {
        if (_current.Kind != TextFormatTokenKind.String)
        {
            throw Error($"expected a quoted string for field \"{field.Name}\", got '{_current.Text}'");
        }

        var bytes = Encoding.Latin1.GetBytes(_current.Text);
        Advance();
        return bytes;
    }

    private static object DefaultScalar(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.String => string.Empty,
        FieldType.Bytes => ByteString.Empty,
        FieldType.Bool => false,
        FieldType.Enum => Enum.ToObject(field.EnumType.ClrType, 0),
        FieldType.Float => 0f,
        FieldType.Double => 0d,
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => 0,
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => 0L,
        FieldType.UInt32 or FieldType.Fixed32 => 0u,
        _ => 0ul,
    };

    private static IMessage NewMessage(MessageDescriptor descriptor) => descriptor.Parser.ParseFrom(ByteString.Empty);

    private void Expect(char symbol)
    {
        if (!_current.IsSymbol(symbol))
        {
            throw Error(_current.Kind == TextFormatTokenKind.End ? $"unexpected end of input, expected '{symbol}'" : $"expected '{symbol}', got '{_current.Text}'");
        }

        Advance();
    }

    private void Advance() => _current = _tokenizer.Next();

    private TextFormatException Error(string message) => Error(_current, message);

    private TextFormatException Error(TextFormatToken at, string message) => new(_sourceName, at.Line, at.Column, message);
}
