using System.Globalization;
using System.Numerics;
using System.Text;

namespace Detserve.Import.Weights;

/// <summary>The text arguments of protocol 0 opcodes (INT, LONG, FLOAT, STRING, UNICODE, GET, PUT), parsed as Lib/pickle.py parses them.</summary>
internal sealed partial class PickleMachine
{
    // Python refuses int strings longer than sys.int_info.default_max_str_digits (4300); so do we.
    private const int MaxIntDigits = 4300;

    private object ParseIntLine(ReadOnlySpan<byte> line)
    {
        // load_int: "00" and "01" are protocol 0's False and True.
        if (line.SequenceEqual("00"u8)) return false;
        if (line.SequenceEqual("01"u8)) return true;
        return ParseInteger(line, "INT");
    }

    private object ParseLongLine(ReadOnlySpan<byte> line)
    {
        // load_long: Python 2 wrote a trailing 'L'.
        if (line.Length > 0 && line[^1] == (byte)'L') line = line[..^1];
        return ParseInteger(line, "LONG");
    }

    private object ParseInteger(ReadOnlySpan<byte> line, string what)
    {
        string text = Encoding.ASCII.GetString(line).Trim();
        if (text.Length == 0 || text.Length > MaxIntDigits + 1) throw Fail($"{what} argument of {text.Length} characters is not an integer");
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long small)) return small;
        if (BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out BigInteger big)) return big;
        throw Fail($"{what} argument '{Shorten(text)}' is not an integer");
    }

    private double ParseFloatLine(ReadOnlySpan<byte> line)
    {
        string text = Encoding.ASCII.GetString(line).Trim();
        switch (text.ToLowerInvariant())
        {
            case "inf" or "+inf" or "infinity": return double.PositiveInfinity;
            case "-inf" or "-infinity": return double.NegativeInfinity;
            case "nan" or "+nan" or "-nan": return double.NaN;
        }
        if (text.Length <= 400 && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)) return value;
        throw Fail($"FLOAT argument '{Shorten(text)}' is not a number");
    }

    private long ParseIndexLine(ReadOnlySpan<byte> line)
    {
        string text = Encoding.ASCII.GetString(line);
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long index) && index >= 0) return index;
        throw Fail($"memo index '{Shorten(text)}' is not a non-negative integer");
    }

    /// <summary>load_string: a quoted Python 2 str literal, unescaped as codecs.escape_decode does.</summary>
    private byte[] DecodeStringLine(ReadOnlySpan<byte> line)
    {
        if (line.Length < 2 || line[0] != line[^1] || (line[0] != (byte)'\'' && line[0] != (byte)'"'))
            throw Fail("STRING argument is not a quoted string");
        ReadOnlySpan<byte> body = line[1..^1];
        Declare(body.Length);
        var result = new List<byte>(body.Length);
        for (int i = 0; i < body.Length; i++)
        {
            byte c = body[i];
            if (c != (byte)'\\')
            {
                result.Add(c);
                continue;
            }
            if (++i >= body.Length) throw Fail("STRING argument ends with a lone backslash");
            byte e = body[i];
            switch (e)
            {
                case (byte)'\n': break; // line continuation
                case (byte)'\\': result.Add((byte)'\\'); break;
                case (byte)'\'': result.Add((byte)'\''); break;
                case (byte)'"': result.Add((byte)'"'); break;
                case (byte)'a': result.Add(7); break;
                case (byte)'b': result.Add(8); break;
                case (byte)'f': result.Add(12); break;
                case (byte)'n': result.Add(10); break;
                case (byte)'r': result.Add(13); break;
                case (byte)'t': result.Add(9); break;
                case (byte)'v': result.Add(11); break;
                case (byte)'x':
                    if (i + 2 >= body.Length || !IsHex(body[i + 1]) || !IsHex(body[i + 2])) throw Fail("STRING argument has an invalid \\x escape");
                    result.Add((byte)(HexValue(body[i + 1]) * 16 + HexValue(body[i + 2])));
                    i += 2;
                    break;
                case >= (byte)'0' and <= (byte)'7':
                    {
                        int value = e - '0';
                        int digits = 1;
                        while (digits < 3 && i + 1 < body.Length && body[i + 1] is >= (byte)'0' and <= (byte)'7')
                        {
                            value = value * 8 + (body[++i] - '0');
                            digits++;
                        }
                        result.Add((byte)(value & 0xff));
                        break;
                    }
                default:
                    // escape_decode keeps unknown escapes verbatim.
                    result.Add((byte)'\\');
                    result.Add(e);
                    break;
            }
        }
        return [.. result];
    }

    /// <summary>load_unicode: the 'raw-unicode-escape' codec: \uXXXX and \UXXXXXXXX escapes, every other byte is latin-1.</summary>
    private string DecodeRawUnicodeEscape(ReadOnlySpan<byte> line)
    {
        Declare(line.Length);
        var sb = new StringBuilder(line.Length);
        for (int i = 0; i < line.Length; i++)
        {
            byte c = line[i];
            if (c == (byte)'\\' && i + 1 < line.Length && line[i + 1] is (byte)'u' or (byte)'U')
            {
                // An odd run of backslashes before 'u' starts an escape; raw-unicode-escape counts only the last one.
                int digits = line[i + 1] == (byte)'u' ? 4 : 8;
                if (i + 1 + digits >= line.Length) throw Fail("UNICODE argument has a truncated \\u escape");
                long code = 0;
                for (int k = 0; k < digits; k++)
                {
                    byte h = line[i + 2 + k];
                    if (!IsHex(h)) throw Fail("UNICODE argument has an invalid \\u escape");
                    code = code * 16 + HexValue(h);
                }
                if (code > 0x10FFFF) throw Fail($"UNICODE argument has an escape beyond U+10FFFF (0x{code:x})");
                if (code is >= 0xD800 and <= 0xDFFF) sb.Append((char)code);
                else sb.Append(char.ConvertFromUtf32((int)code));
                i += 1 + digits;
                continue;
            }
            sb.Append((char)c);
        }
        return sb.ToString();
    }

    private static bool IsHex(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';

    private static int HexValue(byte b) => b <= (byte)'9' ? b - '0' : (b | 0x20) - 'a' + 10;

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
