using System.Numerics;

namespace Detserve.Import.Config;

/// <summary>
/// Python's <c>ast.literal_eval</c> as yacs' <c>CfgNode._decode_cfg_value</c> uses it: ints, floats, strings
/// (adjacent ones concatenated), tuples (<c>1,</c> and <c>(1,)</c>), lists, True/False/None, and a sign on a number.
/// Dicts, sets, bytes, complex numbers and Ellipsis parse to <see cref="PythonUnsupportedValue"/>. Text that is not
/// a literal (a name such as <c>RPN</c>, a path, <c>1+2</c>, a call) makes <see cref="TryParse"/> return false, and
/// yacs then keeps the original string.
/// </summary>
internal sealed class PythonLiteral
{
    private const int MaxTokens = 100_000;
    private const int MaxDepth = 250;

    private readonly List<PythonToken> _tokens;
    private int _index;

    private PythonLiteral(List<PythonToken> tokens) => _tokens = tokens;

    /// <summary>
    /// Evaluates <paramref name="text"/> as a Python literal. True with the value (a config leaf or a
    /// <see cref="PythonUnsupportedValue"/>) when literal_eval would succeed; false when it raises ValueError or
    /// SyntaxError (CPython's tokenizer refuses brackets nested deeper than 200, so such text stays a string too).
    /// Throws <see cref="ConfigException"/> only for literals Detserve cannot represent (an int beyond 64 bits, a dict
    /// inside a list).
    /// </summary>
    public static bool TryParse(string text, out object? value)
    {
        value = null;
        List<PythonToken> tokens;
        try
        {
            // literal_eval strips leading spaces and tabs before parsing in eval mode.
            tokens = PythonTokenizer.Tokenize(text.TrimStart(' ', '\t'), MaxTokens);
        }
        catch (PythonSyntaxException)
        {
            return false;
        }

        var parser = new PythonLiteral(tokens);
        try
        {
            value = parser.ParseTopLevel();
            return true;
        }
        catch (PythonSyntaxException)
        {
            value = null;
            return false;
        }
    }

    private PythonToken Peek => _tokens[_index];

    private PythonToken Take() => _tokens[_index++];

    private object? ParseTopLevel()
    {
        if (Peek.Kind == PythonTokenKind.End)
        {
            throw new PythonSyntaxException("empty expression");
        }

        var items = ParseExpressionList(PythonTokenKind.End, null, 0, out var sawComma);
        if (Peek.Kind != PythonTokenKind.End)
        {
            throw new PythonSyntaxException($"unexpected '{Peek.Text}' at offset {Peek.Position}");
        }

        return sawComma ? MakeSequence(items, isTuple: true) : items[0];
    }

    /// <summary>Comma-separated expressions until <paramref name="closer"/> (not consumed); a trailing comma is allowed.</summary>
    private List<object?> ParseExpressionList(PythonTokenKind endKind, string? closer, int depth, out bool sawComma)
    {
        var items = new List<object?>();
        sawComma = false;
        while (!IsCloser(endKind, closer))
        {
            items.Add(ParseExpression(depth));
            if (Peek.IsOp(","))
            {
                Take();
                sawComma = true;
                continue;
            }

            break;
        }

        return items;
    }

    private bool IsCloser(PythonTokenKind endKind, string? closer) =>
        closer is null ? Peek.Kind == endKind : Peek.IsOp(closer);

    private object? ParseExpression(int depth) => ParseTerm(depth).Value;

    /// <summary>
    /// One element: an atom, a signed number, or literal_eval's one BinOp (a real number plus or minus an imaginary
    /// one, <c>1+2j</c>). <see cref="Term.Composite"/> marks a sign or BinOp, which literal_eval does not accept as the
    /// operand of another sign (<c>-(-1)</c> is not a literal, <c>-(1)</c> is).
    /// </summary>
    private Term ParseTerm(int depth)
    {
        if (depth > MaxDepth)
        {
            throw new PythonSyntaxException($"Python literal nested deeper than {MaxDepth} levels");
        }

        var token = Peek;
        Term left;
        if (token.IsOp("+") || token.IsOp("-"))
        {
            Take();
            var operand = ParseAtom(depth + 1);
            if (operand.Composite || operand.Value is not (BigInteger or long or double or PythonUnsupportedValue { TypeName: "complex" }))
            {
                throw new PythonSyntaxException("unary sign on a non-number");
            }

            left = new Term(token.Text == "-" ? Negate(operand.Value) : operand.Value, Composite: true);
        }
        else
        {
            left = ParseAtom(depth + 1);
        }

        if (Peek.IsOp("+") || Peek.IsOp("-"))
        {
            Take();
            var right = ParseAtom(depth + 1);
            if (left.Value is not (BigInteger or long or double) || right.Composite || right.Value is not PythonUnsupportedValue { TypeName: "complex" })
            {
                throw new PythonSyntaxException("binary operator in literal");
            }

            left = new Term(right.Value, Composite: true);
        }

        return left.Value is BigInteger big ? left with { Value = ToLong(big) } : left;
    }

    private Term ParseAtom(int depth)
    {
        var token = Take();
        switch (token.Kind)
        {
            case PythonTokenKind.Int:
                return new Term((BigInteger)token.Value!, Composite: false);
            case PythonTokenKind.Float:
                return new Term((double)token.Value!, Composite: false);
            case PythonTokenKind.Imaginary:
                return new Term(new PythonUnsupportedValue("complex"), Composite: false);
            case PythonTokenKind.String or PythonTokenKind.Bytes:
                return new Term(ParseStringRun(token), Composite: false);
            case PythonTokenKind.Name:
                return new Term(
                    token.Text switch
                    {
                        "True" => true,
                        "False" => false,
                        "None" => null,
                        "set" when Peek.IsOp("(") && _tokens[_index + 1].IsOp(")") => TakeEmptySetCall(),
                        _ => throw new PythonSyntaxException($"name '{token.Text}' is not a literal"),
                    },
                    Composite: false);
            case PythonTokenKind.Op when token.Text == "(":
            {
                if (Peek.IsOp(")"))
                {
                    Take();
                    return new Term(MakeSequence([], isTuple: true), Composite: false);
                }

                var first = ParseTerm(depth);
                if (Peek.IsOp(")"))
                {
                    // A parenthesized expression is the expression itself, keeping its composite flag.
                    Take();
                    return first;
                }

                Expect(",");
                var items = new List<object?> { first.Value };
                items.AddRange(ParseExpressionList(PythonTokenKind.End, ")", depth, out _));
                Expect(")");
                return new Term(MakeSequence(items, isTuple: true), Composite: false);
            }

            case PythonTokenKind.Op when token.Text == "[":
            {
                var items = ParseExpressionList(PythonTokenKind.End, "]", depth, out _);
                Expect("]");
                return new Term(MakeSequence(items, isTuple: false), Composite: false);
            }

            case PythonTokenKind.Op when token.Text == "{":
                return new Term(ParseBraces(depth), Composite: false);
            case PythonTokenKind.Op when token.Text == "." && Peek.IsOp(".") && _tokens[_index + 1].IsOp("."):
                Take();
                Take();
                return new Term(new PythonUnsupportedValue("ellipsis"), Composite: false);
            default:
                throw new PythonSyntaxException($"unexpected '{token.Text}' at offset {token.Position}");
        }
    }

    private PythonUnsupportedValue TakeEmptySetCall()
    {
        Take();
        Take();
        return new PythonUnsupportedValue("set");
    }

    /// <summary>Adjacent string literals concatenate; str and bytes may not be mixed; f-strings are not literals.</summary>
    private object ParseStringRun(PythonToken first)
    {
        var isBytes = first.Kind == PythonTokenKind.Bytes;
        var text = (string)first.Value!;
        while (Peek.Kind is PythonTokenKind.String or PythonTokenKind.Bytes or PythonTokenKind.FString)
        {
            var next = Take();
            if (next.Kind == PythonTokenKind.FString || (next.Kind == PythonTokenKind.Bytes) != isBytes)
            {
                throw new PythonSyntaxException("f-string or mixed bytes/str literal");
            }

            text += (string)next.Value!;
        }

        return isBytes ? new PythonUnsupportedValue("bytes") : text;
    }

    /// <summary><c>{}</c> / <c>{k: v}</c> is a dict and <c>{a, b}</c> a set; both are refused by yacs, so only their syntax is checked.</summary>
    private PythonUnsupportedValue ParseBraces(int depth)
    {
        if (Peek.IsOp("}"))
        {
            Take();
            return new PythonUnsupportedValue("dict");
        }

        var isDict = false;
        var first = true;
        while (!Peek.IsOp("}"))
        {
            ParseExpression(depth);
            if (first && Peek.IsOp(":"))
            {
                isDict = true;
            }

            if (isDict)
            {
                Expect(":");
                ParseExpression(depth);
            }

            first = false;
            if (!Peek.IsOp(","))
            {
                break;
            }

            Take();
        }

        Expect("}");
        return new PythonUnsupportedValue(isDict ? "dict" : "set");
    }

    private void Expect(string op)
    {
        var token = Take();
        if (!token.IsOp(op))
        {
            throw new PythonSyntaxException($"expected '{op}' at offset {token.Position}, found '{token.Text}'");
        }
    }

    private static object? Negate(object? operand) => operand switch
    {
        BigInteger b => -b,
        long l => -(BigInteger)l,
        double d => -d,
        _ => operand,
    };

    /// <summary>Python ints are unbounded; Detserve keeps 64 bits.</summary>
    private static long ToLong(BigInteger value) =>
        value >= long.MinValue && value <= long.MaxValue
            ? (long)value
            : throw new ConfigException($"integer literal {value} is outside the 64-bit range Detserve supports");

    private static CfgList MakeSequence(List<object?> items, bool isTuple)
    {
        foreach (var item in items)
        {
            if (item is PythonUnsupportedValue unsupported)
            {
                throw new ConfigException($"a {(isTuple ? "tuple" : "list")} holding a {unsupported.TypeName} is not a config value Detserve supports");
            }
        }

        return new CfgList(items, isTuple);
    }

    /// <summary>A parsed element and whether it is a sign or BinOp expression rather than a bare constant.</summary>
    private readonly record struct Term(object? Value, bool Composite);
}
