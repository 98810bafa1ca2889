using System.Globalization;
using System.Numerics;
using System.Text;

namespace Detserve.Import.Config;

/// <summary>
/// Splits a Python expression into tokens, following the lexical rules of the Python reference
/// ("Lexical analysis": integer, floating-point and imaginary literals with underscores, string and bytes literals
/// with prefixes and escapes, comments). Only what <c>ast.literal_eval</c> and the config eval tag need; anything
/// else throws <see cref="PythonSyntaxException"/>. Nothing is ever executed.
/// </summary>
internal sealed class PythonTokenizer
{
    /// <summary>Literals longer than this are refused (an int of 4300+ digits is refused by CPython too).</summary>
    private const int MaxNumberLength = 4300;

    /// <summary>CPython's tokenizer MAXLEVEL: deeper bracket nesting is a SyntaxError.</summary>
    private const int MaxNesting = 200;

    private static readonly string[] Operators = ["**", "//", "(", ")", "[", "]", "{", "}", ",", ":", "+", "-", "*", "/", ".", "%", "@", "<", ">", "=", "!", "~", "^", "&", "|", ";"];

    private readonly string _text;
    private int _pos;
    private int _depth;
    private bool _emitted;

    private PythonTokenizer(string text) => _text = text;

    /// <summary>All tokens of <paramref name="text"/>, ending with one <see cref="PythonTokenKind.End"/>.</summary>
    public static List<PythonToken> Tokenize(string text, int maxTokens)
    {
        var tokenizer = new PythonTokenizer(text);
        var tokens = new List<PythonToken>();
        while (true)
        {
            var token = tokenizer.Next();
            tokens.Add(token);
            if (token.Kind == PythonTokenKind.End)
            {
                return tokens;
            }

            if (tokens.Count > maxTokens)
            {
                throw new PythonSyntaxException($"more than {maxTokens} tokens");
            }
        }
    }

    private PythonToken Next()
    {
        var token = ReadToken();
        _emitted = true;
        return token;
    }

    private PythonToken ReadToken()
    {
        SkipTrivia();
        if (_pos >= _text.Length)
        {
            return new PythonToken(PythonTokenKind.End, string.Empty, null, _pos);
        }

        var start = _pos;
        var c = _text[_pos];
        if (char.IsAsciiDigit(c) || (c == '.' && _pos + 1 < _text.Length && char.IsAsciiDigit(_text[_pos + 1])))
        {
            return ReadNumber();
        }

        if (IsIdentifierStart(c))
        {
            while (_pos < _text.Length && IsIdentifierPart(_text[_pos]))
            {
                _pos++;
            }

            var word = _text[start.._pos];
            if (_pos < _text.Length && _text[_pos] is '\'' or '"' && IsStringPrefix(word))
            {
                return ReadString(start, word.ToLowerInvariant());
            }

            return new PythonToken(PythonTokenKind.Name, word, null, start);
        }

        if (c is '\'' or '"')
        {
            return ReadString(start, string.Empty);
        }

        foreach (var op in Operators)
        {
            if (string.CompareOrdinal(_text, _pos, op, 0, op.Length) == 0)
            {
                _pos += op.Length;
                _depth += op is "(" or "[" or "{" ? 1 : op is ")" or "]" or "}" ? -1 : 0;
                if (_depth > MaxNesting)
                {
                    // CPython's tokenizer refuses the same ("too many nested parentheses", MAXLEVEL 200).
                    throw new PythonSyntaxException($"too many nested parentheses at offset {start}");
                }

                return new PythonToken(PythonTokenKind.Op, op, null, start);
            }
        }

        throw new PythonSyntaxException($"unexpected character '{c}' at offset {start}");
    }

    private void SkipTrivia()
    {
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c is ' ' or '\t' or '\f')
            {
                _pos++;
            }
            else if (c is '\n' or '\r')
            {
                // Inside brackets a newline is whitespace; at the top level of an eval-mode expression blank lines
                // and comments may come before the first token and after the last, nothing else.
                if (_depth == 0 && _emitted && !RestIsBlank(_pos))
                {
                    throw new PythonSyntaxException($"newline at offset {_pos} outside brackets");
                }

                _pos++;
            }
            else if (c == '#')
            {
                while (_pos < _text.Length && _text[_pos] is not ('\n' or '\r'))
                {
                    _pos++;
                }
            }
            else if (c == '\\' && _pos + 1 < _text.Length && _text[_pos + 1] is '\n' or '\r')
            {
                // explicit line joining; at the end of the input it is an error ("unexpected EOF")
                _pos += 2;
                if (RestIsBlank(_pos))
                {
                    throw new PythonSyntaxException("line continuation at the end of the expression");
                }
            }
            else
            {
                return;
            }
        }
    }

    private bool RestIsBlank(int from)
    {
        var inComment = false;
        for (var i = from; i < _text.Length; i++)
        {
            var c = _text[i];
            if (c is '\n' or '\r')
            {
                inComment = false;
            }
            else if (c == '#')
            {
                inComment = true;
            }
            else if (!inComment && c is not (' ' or '\t' or '\f'))
            {
                return false;
            }
        }

        return true;
    }

    private PythonToken ReadNumber()
    {
        var start = _pos;
        if (_text[_pos] == '0' && _pos + 1 < _text.Length && _text[_pos + 1] is 'x' or 'X' or 'o' or 'O' or 'b' or 'B')
        {
            var radix = char.ToLowerInvariant(_text[_pos + 1]) switch { 'x' => 16, 'o' => 8, _ => 2 };
            _pos += 2;
            var digits = ReadDigitPart(radix, requireLeadingUnderscoreAllowed: true);
            if (digits.Length == 0)
            {
                throw new PythonSyntaxException($"invalid integer literal at offset {start}");
            }

            EnsureNumberEnds(start);
            return new PythonToken(PythonTokenKind.Int, _text[start.._pos], ParseRadix(digits, radix, start), start);
        }

        var intPart = ReadDigitPart(10, requireLeadingUnderscoreAllowed: false);
        var isFloat = false;
        var fracPart = string.Empty;
        var expPart = string.Empty;
        if (_pos < _text.Length && _text[_pos] == '.')
        {
            isFloat = true;
            _pos++;
            if (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
            {
                fracPart = ReadDigitPart(10, requireLeadingUnderscoreAllowed: false);
            }
        }

        if (_pos < _text.Length && _text[_pos] is 'e' or 'E')
        {
            var save = _pos;
            _pos++;
            var expSign = string.Empty;
            if (_pos < _text.Length && _text[_pos] is '+' or '-')
            {
                expSign = _text[_pos].ToString();
                _pos++;
            }

            if (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
            {
                expPart = expSign + ReadDigitPart(10, requireLeadingUnderscoreAllowed: false);
                isFloat = true;
            }
            else
            {
                _pos = save;
                throw new PythonSyntaxException($"invalid decimal literal at offset {start}");
            }
        }

        if (_pos < _text.Length && _text[_pos] is 'j' or 'J')
        {
            _pos++;
            EnsureNumberEnds(start);
            return new PythonToken(PythonTokenKind.Imaginary, _text[start.._pos], null, start);
        }

        EnsureNumberEnds(start);
        var text = _text[start.._pos];
        if (isFloat)
        {
            var normalized = (intPart.Length == 0 ? "0" : intPart) + "." + (fracPart.Length == 0 ? "0" : fracPart) + (expPart.Length > 0 ? "e" + expPart : string.Empty);
            var value = double.Parse(normalized, NumberStyles.Float, CultureInfo.InvariantCulture);
            return new PythonToken(PythonTokenKind.Float, text, value, start);
        }

        // "Leading zeros in a non-zero decimal number are not allowed" (Python 3 reference, integer literals).
        if (intPart.Length > 1 && intPart[0] == '0' && intPart.Any(ch => ch != '0'))
        {
            throw new PythonSyntaxException($"leading zeros in decimal integer literal at offset {start}");
        }

        return new PythonToken(PythonTokenKind.Int, text, ParseRadix(intPart, 10, start), start);
    }

    /// <summary>Digits with single underscores between them (<c>1_000</c>); returns the digits without underscores.</summary>
    private string ReadDigitPart(int radix, bool requireLeadingUnderscoreAllowed)
    {
        var sb = new StringBuilder();
        var lastWasUnderscore = false;
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c == '_')
            {
                // After a base prefix one underscore may come first (0x_ff); elsewhere only between digits.
                if (lastWasUnderscore || (sb.Length == 0 && !requireLeadingUnderscoreAllowed))
                {
                    throw new PythonSyntaxException($"invalid underscore in number at offset {_pos}");
                }

                lastWasUnderscore = true;
                _pos++;
                continue;
            }

            if (DigitValue(c) >= radix)
            {
                break;
            }

            sb.Append(c);
            lastWasUnderscore = false;
            _pos++;
            if (sb.Length > MaxNumberLength)
            {
                throw new PythonSyntaxException($"number literal longer than {MaxNumberLength} digits");
            }
        }

        if (lastWasUnderscore)
        {
            throw new PythonSyntaxException($"number ends with an underscore at offset {_pos}");
        }

        return sb.ToString();
    }

    private void EnsureNumberEnds(int start)
    {
        if (_pos < _text.Length && (IsIdentifierPart(_text[_pos]) || _text[_pos] == '.'))
        {
            throw new PythonSyntaxException($"invalid number literal at offset {start}");
        }
    }

    private static BigInteger ParseRadix(string digits, int radix, int start)
    {
        if (digits.Length == 0)
        {
            throw new PythonSyntaxException($"empty number literal at offset {start}");
        }

        var value = BigInteger.Zero;
        foreach (var c in digits)
        {
            value = (value * radix) + DigitValue(c);
        }

        return value;
    }

    private static int DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => 99,
    };

    private static bool IsStringPrefix(string word) => word.ToLowerInvariant() is "r" or "u" or "b" or "f" or "br" or "rb" or "fr" or "rf";

    private PythonToken ReadString(int start, string prefix)
    {
        var raw = prefix.Contains('r', StringComparison.Ordinal);
        var isBytes = prefix.Contains('b', StringComparison.Ordinal);
        var isF = prefix.Contains('f', StringComparison.Ordinal);
        var quote = _text[_pos];
        var triple = _pos + 2 < _text.Length && _text[_pos + 1] == quote && _text[_pos + 2] == quote;
        _pos += triple ? 3 : 1;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw new PythonSyntaxException($"unterminated string literal at offset {start}");
            }

            var c = _text[_pos];
            if (c == quote && (!triple || (_pos + 2 < _text.Length && _text[_pos + 1] == quote && _text[_pos + 2] == quote)))
            {
                _pos += triple ? 3 : 1;
                break;
            }

            if (!triple && c is '\n' or '\r')
            {
                throw new PythonSyntaxException($"unterminated string literal at offset {start}");
            }

            if (isBytes && c > 0x7F)
            {
                throw new PythonSyntaxException($"bytes can only contain ASCII literal characters (offset {_pos})");
            }

            if (c != '\\')
            {
                sb.Append(c);
                _pos++;
                continue;
            }

            if (_pos + 1 >= _text.Length)
            {
                throw new PythonSyntaxException($"unterminated string literal at offset {start}");
            }

            var e = _text[_pos + 1];
            if (raw)
            {
                // In raw literals a backslash still keeps the next character (a quote included) from ending the string.
                sb.Append('\\').Append(e);
                _pos += 2;
                continue;
            }

            _pos += 2;
            AppendEscape(sb, e, isBytes);
        }

        if (isF)
        {
            return new PythonToken(PythonTokenKind.FString, _text[start.._pos], null, start);
        }

        return new PythonToken(isBytes ? PythonTokenKind.Bytes : PythonTokenKind.String, _text[start.._pos], sb.ToString(), start);
    }

    /// <summary>Escape sequences of the Python reference ("String and Bytes literals", escape sequence table).</summary>
    private void AppendEscape(StringBuilder sb, char e, bool isBytes)
    {
        switch (e)
        {
            case '\n':
                break;
            case '\r':
                if (_pos < _text.Length && _text[_pos] == '\n')
                {
                    _pos++;
                }

                break;
            case '\\' or '\'' or '"':
                sb.Append(e);
                break;
            case 'a':
                sb.Append('\a');
                break;
            case 'b':
                sb.Append('\b');
                break;
            case 'f':
                sb.Append('\f');
                break;
            case 'n':
                sb.Append('\n');
                break;
            case 'r':
                sb.Append('\r');
                break;
            case 't':
                sb.Append('\t');
                break;
            case 'v':
                sb.Append('\v');
                break;
            case >= '0' and <= '7':
            {
                var value = e - '0';
                for (var i = 0; i < 2 && _pos < _text.Length && _text[_pos] is >= '0' and <= '7'; i++)
                {
                    value = (value * 8) + (_text[_pos] - '0');
                    _pos++;
                }

                sb.Append((char)value);
                break;
            }

            case 'x':
                sb.Append((char)ReadHexEscape(2));
                break;
            case 'u' when !isBytes:
                sb.Append((char)ReadHexEscape(4));
                break;
            case 'U' when !isBytes:
            {
                var cp = ReadHexEscape(8);
                if (cp > 0x10FFFF)
                {
                    throw new PythonSyntaxException($"illegal Unicode character in \\U escape at offset {_pos}");
                }

                sb.Append(char.ConvertFromUtf32(cp));
                break;
            }

            case 'N' when !isBytes:
            {
                // "\N" must be followed by "{NAME}" (else CPython: "malformed \N character escape"). Resolving NAME needs
                // the Unicode name database, which .NET does not ship, so a well-formed one is refused outright.
                var close = _pos < _text.Length && _text[_pos] == '{' ? _text.IndexOf('}', _pos) : -1;
                if (close <= _pos + 1)
                {
                    throw new PythonSyntaxException($"malformed \\N character escape at offset {_pos - 2}");
                }

                throw new ConfigException($"the \\N{{...}} escape (offset {_pos - 2}) is not supported in config values; write the character itself");
            }
            default:
                // Unknown escapes keep the backslash (Python only warns).
                sb.Append('\\').Append(e);
                break;
        }
    }

    private int ReadHexEscape(int count)
    {
        if (_pos + count > _text.Length)
        {
            throw new PythonSyntaxException($"truncated \\x/\\u/\\U escape at offset {_pos}");
        }

        var value = 0;
        for (var i = 0; i < count; i++)
        {
            var d = DigitValue(_text[_pos + i]);
            if (d >= 16)
            {
                throw new PythonSyntaxException($"truncated \\x/\\u/\\U escape at offset {_pos}");
            }

            value = (value * 16) + d;
        }

        _pos += count;
        return value;
    }

    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsIdentifierPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}
