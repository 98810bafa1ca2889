using System.Text;

namespace Detserve.Serve.TextFormat;

/// <summary>
/// Splits protobuf text format (google/protobuf/text_format.cc, Tokenizer in io/tokenizer.cc) into tokens:
/// identifiers, numbers, quoted strings (single or double quotes, C escapes, adjacent literals joined),
/// and single-character symbols. '#' starts a comment to the end of the line.
/// </summary>
public sealed class TextFormatTokenizer
{
    private readonly string _text;
    private readonly string _sourceName;
    private int _position;
    private int _line = 1;
    private int _lineStart;

    public TextFormatTokenizer(string text, string sourceName)
    {
        _text = text;
        _sourceName = sourceName;
    }

    public TextFormatToken Next()
    {
        SkipWhitespaceAndComments();
        if (_position >= _text.Length)
        {
            return new TextFormatToken(TextFormatTokenKind.End, string.Empty, _line, Column);
        }

        var c = _text[_position];
        var line = _line;
        var column = Column;
        if (c is '"' or '\'')
        {
            var bytes = new List<byte>();
            ReadStringLiteral(bytes);
            // Adjacent literals concatenate ("abc" "def"), as in C and in text_format.cc's ConsumeString.
            while (true)
            {
                SkipWhitespaceAndComments();
                if (_position < _text.Length && _text[_position] is '"' or '\'')
                {
                    ReadStringLiteral(bytes);
                    continue;
                }

                break;
            }

            return new TextFormatToken(TextFormatTokenKind.String, Encoding.Latin1.GetString(bytes.ToArray()), line, column);
        }

        if (char.IsAsciiLetter(c) || c == '_')
        {
            var start = _position;
            while (_position < _text.Length && (char.IsAsciiLetterOrDigit(_text[_position]) || _text[_position] == '_'))
            {
                _position++;
            }

            return new TextFormatToken(TextFormatTokenKind.Identifier, _text[start.._position], line, column);
        }

        if (char.IsAsciiDigit(c) || (c == '.' && _position + 1 < _text.Length && char.IsAsciiDigit(_text[_position + 1])))
        {
            var start = _position;
            var isHex = c == '0' && _position + 1 < _text.Length && _text[_position + 1] is 'x' or 'X';
            while (_position < _text.Length)
            {
                var d = _text[_position];
                var exponentSign = !isHex && d is '+' or '-' && _text[_position - 1] is 'e' or 'E';
                if (char.IsAsciiLetterOrDigit(d) || d == '.' || exponentSign)
                {
                    _position++;
                    continue;
                }

                break;
            }

            return new TextFormatToken(TextFormatTokenKind.Number, _text[start.._position], line, column);
        }

        if (c is '{' or '}' or '<' or '>' or '[' or ']' or ':' or ',' or ';' or '-' or '/' or '.')
        {
            _position++;
            return new TextFormatToken(TextFormatTokenKind.Symbol, c.ToString(), line, column);
        }

        throw new TextFormatException(_sourceName, line, column, $"unexpected character '{(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())}'");
    }

    private int Column => _position - _lineStart + 1;

    private void SkipWhitespaceAndComments()
    {
        while (_position < _text.Length)
        {
            var c = _text[_position];
            if (c == '\n')
            {
                _position++;
                _line++;
                _lineStart = _position;
            }
            else if (c is ' ' or '\t' or '\r' or '\f' or '\v')
            {
                _position++;
            }
            else if (c == '#')
            {
                while (_position < _text.Length && _text[_position] != '\n')
                {
                    _position++;
                }
            }
            else
            {
                return;
            }
        }
    }

    private void ReadStringLiteral(List<byte> bytes)
    {
        var quote = _text[_position];
        var line = _line;
        var column = Column;
        _position++;
        Span<byte> utf8 = stackalloc byte[4];
        while (true)
        {
            if (_position >= _text.Length || _text[_position] == '\n')
            {
                throw new TextFormatException(_sourceName, line, column, "string literal is not terminated on its line");
            }

            var c = _text[_position];
            if (c == quote)
            {
                _position++;
                return;
            }

            if (c != '\\')
            {
                // Raw characters are stored as their UTF-8 bytes; a surrogate pair is encoded together.
                var length = char.IsHighSurrogate(c) && _position + 1 < _text.Length && char.IsLowSurrogate(_text[_position + 1]) ? 2 : 1;
                var written = Encoding.UTF8.GetBytes(_text.AsSpan(_position, length), utf8);
                for (var k = 0; k < written; k++)
                {
                    bytes.Add(utf8[k]);
                }

                _position += length;
                continue;
            }

            _position++;
            if (_position >= _text.Length)
            {
                throw new TextFormatException(_sourceName, _line, Column, "string literal ends in a backslash");
            }

            var e = _text[_position++];
            switch (e)
            {
                case 'n': bytes.Add((byte)'\n'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case 'r': bytes.Add((byte)'\r'); break;
                case 'a': bytes.Add(0x07); break;
                case 'b': bytes.Add(0x08); break;
                case 'f': bytes.Add(0x0c); break;
                case 'v': bytes.Add(0x0b); break;
                case '\\': bytes.Add((byte)'\\'); break;
                case '\'': bytes.Add((byte)'\''); break;
                case '"': bytes.Add((byte)'"'); break;
                case '?': bytes.Add((byte)'?'); break;
                case 'x' or 'X':
                    bytes.Add((byte)ReadDigits(16, 2, e));
                    break;
                case 'u' or 'U':
                    // Unicode escapes (\uXXXX, \UXXXXXXXX), as io/tokenizer.cc accepts, stored as UTF-8.
                    var digits = e == 'u' ? 4 : 8;
                    var start = _position;
                    var codePoint = ReadDigits(16, digits, e);
                    if (_position - start != digits || codePoint < 0 || codePoint > 0x10FFFF || codePoint is >= 0xD800 and <= 0xDFFF)
                    {
                        throw new TextFormatException(_sourceName, _line, Column, $"invalid unicode escape '\\{e}{_text[start.._position]}'");
                    }

                    var rune = new Rune(codePoint);
                    var length = rune.EncodeToUtf8(utf8);
                    for (var i = 0; i < length; i++)
                    {
                        bytes.Add(utf8[i]);
                    }

                    break;
                case >= '0' and <= '7':
                    _position--;
                    var octal = ReadDigits(8, 3, e);
                    if (octal > 255)
                    {
                        throw new TextFormatException(_sourceName, _line, Column, $"octal escape \\{Convert.ToString(octal, 8)} is above \\377");
                    }

                    bytes.Add((byte)octal);
                    break;
                default:
                    throw new TextFormatException(_sourceName, _line, Column - 1, $"invalid escape sequence '\\{e}'");
            }
        }
    }

    private int ReadDigits(int radix, int maxDigits, char escape)
    {
        var value = 0;
        var count = 0;
        while (count < maxDigits && _position < _text.Length)
        {
            var digit = _text[_position] switch
            {
                >= '0' and <= '9' => _text[_position] - '0',
                >= 'a' and <= 'f' => _text[_position] - 'a' + 10,
                >= 'A' and <= 'F' => _text[_position] - 'A' + 10,
                _ => 99,
            };
            if (digit >= radix)
            {
                break;
            }

            value = (value * radix) + digit;
            count++;
            _position++;
        }

        if (count == 0)
        {
            throw new TextFormatException(_sourceName, _line, Column, $"escape '\\{escape}' has no digits");
        }

        return value;
    }
}
