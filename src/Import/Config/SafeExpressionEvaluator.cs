using System.Numerics;

namespace Detserve.Import.Config;

/// <summary>
/// Evaluates the argument of <c>!!python/object/apply:eval</c> as the zoo writes it (configs/Base-RetinaNet.yaml:
/// <c>[[x, x * 2**(1.0/3), x * 2**(2.0/3) ] for x in [32, 64, 128, 256, 512 ]]</c>) without executing anything.
/// The language: int and float literals; <c>+ - * / **</c> and unary <c>+ -</c> with Python's precedence and
/// numeric semantics (int op int stays an exact int except <c>/</c>, which is correctly rounded like CPython's
/// long_true_divide; <c>**</c> is right-associative and binds tighter than a unary minus on its left; ints convert to
/// float with correct rounding); parentheses; list and tuple displays; list comprehensions
/// <c>[expr for x in iterable ...]</c> whose iterables are lists, tuples or <c>range(...)</c>. The only names are
/// the comprehension variables and <c>range</c>; every other name, call, attribute, string or operator is refused.
/// </summary>
internal sealed class SafeExpressionEvaluator
{
    /// <summary>Caps that keep a hostile expression from using much time or memory.</summary>
    private const int MaxTokens = 10_000;
    private const int MaxDepth = 64;
    private const int MaxElements = 100_000;

    /// <summary>Python ints are unbounded; intermediate ints here may grow to this many bits (results must fit 64).</summary>
    private const long MaxIntBits = 65_536;

    private readonly List<PythonToken> _tokens;
    private readonly Dictionary<string, object> _scope = new(StringComparer.Ordinal);
    private int _index;
    private int _elements;

    private SafeExpressionEvaluator(List<PythonToken> tokens) => _tokens = tokens;

    /// <summary>
    /// The value of <paramref name="expression"/>: a <see cref="long"/>, <see cref="double"/> or <see cref="CfgList"/>.
    /// Throws <see cref="ConfigException"/> (message prefixed by <paramref name="where"/>) for anything outside the subset.
    /// </summary>
    public static object Evaluate(string expression, string where)
    {
        try
        {
            var tokens = PythonTokenizer.Tokenize(expression, MaxTokens);
            var evaluator = new SafeExpressionEvaluator(tokens);
            var value = evaluator.Expression(0);
            if (evaluator.Peek.Kind != PythonTokenKind.End)
            {
                throw new PythonSyntaxException($"unexpected '{evaluator.Peek.Text}' at offset {evaluator.Peek.Position}");
            }

            return Normalize(value);
        }
        catch (PythonSyntaxException e)
        {
            throw new ConfigException($"{where}: cannot evaluate !!python/object/apply:eval expression \"{Shorten(expression)}\": {e.Message}", e);
        }
    }

    private PythonToken Peek => _tokens[_index];

    private PythonToken Take() => _tokens[_index++];

    // Grammar (Python's, restricted):
    //   expression := term (('+' | '-') term)*
    //   term       := factor (('*' | '/') factor)*
    //   factor     := ('+' | '-') factor | power
    //   power      := atom ['**' factor]
    //   atom       := NUMBER | NAME | '(' expression ')' | '(' [expression (',' expression)* [',']] ')'
    //               | '[' [expression (',' expression)* [',']] ']' | '[' expression ('for' NAME 'in' iterable)+ ']'
    private object Expression(int depth)
    {
        CheckDepth(depth);
        var left = Term(depth + 1);
        while (Peek.IsOp("+") || Peek.IsOp("-"))
        {
            var op = Take();
            var right = Term(depth + 1);
            left = Arithmetic(op, left, right);
        }

        return left;
    }

    private object Term(int depth)
    {
        var left = Factor(depth + 1);
        while (Peek.IsOp("*") || Peek.IsOp("/"))
        {
            var op = Take();
            var right = Factor(depth + 1);
            left = Arithmetic(op, left, right);
        }

        return left;
    }

    private object Factor(int depth)
    {
        CheckDepth(depth);
        if (Peek.IsOp("-") || Peek.IsOp("+"))
        {
            var op = Take();
            var operand = Factor(depth + 1);
            return op.Text == "+"
                ? RequireNumber(operand, op)
                : RequireNumber(operand, op) switch
                {
                    BigInteger b => -b,
                    double d => -d,
                    var other => other,
                };
        }

        return Power(depth + 1);
    }

    private object Power(int depth)
    {
        var baseValue = Atom(depth + 1);
        if (!Peek.IsOp("**"))
        {
            return baseValue;
        }

        var op = Take();
        var exponent = Factor(depth + 1);
        return Pow(op, RequireNumber(baseValue, op), RequireNumber(exponent, op));
    }

    private object Atom(int depth)
    {
        CheckDepth(depth);
        var token = Take();
        switch (token.Kind)
        {
            case PythonTokenKind.Int:
                return CheckBits((BigInteger)token.Value!, token);
            case PythonTokenKind.Float:
                return (double)token.Value!;
            case PythonTokenKind.Name when _scope.TryGetValue(token.Text, out var bound):
                return bound is long l ? new BigInteger(l) : bound;
            case PythonTokenKind.Name:
                throw new PythonSyntaxException($"name '{token.Text}' is not allowed (only comprehension variables; range() only after 'in')");
            case PythonTokenKind.Op when token.Text == "(":
            {
                if (Peek.IsOp(")"))
                {
                    Take();
                    return new CfgList([], isTuple: true);
                }

                var first = Expression(depth + 1);
                if (Peek.IsOp(")"))
                {
                    Take();
                    return first;
                }

                var items = new List<object?> { Normalize(first) };
                while (Peek.IsOp(","))
                {
                    Take();
                    if (Peek.IsOp(")"))
                    {
                        break;
                    }

                    items.Add(Normalize(Expression(depth + 1)));
                    CountElements(1, token);
                }

                Expect(")");
                return new CfgList(items, isTuple: true);
            }

            case PythonTokenKind.Op when token.Text == "[":
                return ListDisplay(depth + 1, token);
            default:
                throw new PythonSyntaxException($"'{token.Text}' is not allowed here (offset {token.Position})");
        }
    }

    private CfgList ListDisplay(int depth, PythonToken open)
    {
        if (Peek.IsOp("]"))
        {
            Take();
            return new CfgList([], isTuple: false);
        }

        var elementStart = _index;
        var first = Peek.IsName("for") ? throw new PythonSyntaxException("empty comprehension element") : SkipOrEvaluateFirst(depth);
        if (Peek.IsName("for"))
        {
            return Comprehension(elementStart, depth, open);
        }

        var items = new List<object?> { Normalize(first!) };
        CountElements(1, open);
        while (Peek.IsOp(","))
        {
            Take();
            if (Peek.IsOp("]"))
            {
                break;
            }

            items.Add(Normalize(Expression(depth + 1)));
            CountElements(1, open);
        }

        Expect("]");
        return new CfgList(items, isTuple: false);
    }

    /// <summary>
    /// Evaluates the first element of a list display. When a comprehension follows, the element refers to names bound
    /// later, so it is only skipped here (balanced to the next top-level 'for', ',' or ']') and evaluated per item.
    /// </summary>
    private object? SkipOrEvaluateFirst(int depth)
    {
        var save = _index;
        var nesting = 0;
        for (var i = _index; i < _tokens.Count; i++)
        {
            var t = _tokens[i];
            if (t.Kind == PythonTokenKind.End)
            {
                break;
            }

            if (t.IsOp("(") || t.IsOp("[") || t.IsOp("{"))
            {
                nesting++;
            }
            else if (t.IsOp(")") || t.IsOp("]") || t.IsOp("}"))
            {
                if (nesting == 0)
                {
                    break;
                }

                nesting--;
            }
            else if (nesting == 0 && t.IsOp(","))
            {
                break;
            }
            else if (nesting == 0 && t.IsName("for"))
            {
                _index = i;
                return null;
            }
        }

        _index = save;
        return Expression(depth + 1);
    }

    /// <summary>
    /// <c>[element for a in it1 for b in it2 ...]</c>: Python's nesting order (first clause outermost); each iterable
    /// is evaluated with the variables of the clauses before it bound.
    /// </summary>
    private CfgList Comprehension(int elementStart, int depth, PythonToken open)
    {
        var elementEnd = _index;
        var clauses = new List<(string Name, int IterStart, int IterEnd)>();
        while (Peek.IsName("for"))
        {
            Take();
            var name = Take();
            if (name.Kind != PythonTokenKind.Name || name.Text is "range" or "for" or "in")
            {
                throw new PythonSyntaxException($"expected a variable name after 'for' at offset {name.Position}");
            }

            if (!Take().IsName("in"))
            {
                throw new PythonSyntaxException($"expected 'in' after 'for {name.Text}'");
            }

            var iterStart = _index;
            SkipIterable(depth);
            clauses.Add((name.Text, iterStart, _index));
        }

        Expect("]");
        var afterList = _index;
        var results = new List<object?>();
        RunClauses(clauses, 0, elementStart, elementEnd, depth, results, open);
        _index = afterList;
        return new CfgList(results, isTuple: false);
    }

    private void RunClauses(List<(string Name, int IterStart, int IterEnd)> clauses, int clause, int elementStart, int elementEnd, int depth, List<object?> results, PythonToken open)
    {
        if (clause == clauses.Count)
        {
            _index = elementStart;
            results.Add(Normalize(Expression(depth + 1)));
            CountElements(1, open);
            if (_index != elementEnd)
            {
                throw new PythonSyntaxException($"unexpected '{Peek.Text}' in comprehension element at offset {Peek.Position}");
            }

            return;
        }

        var (name, iterStart, iterEnd) = clauses[clause];
        _index = iterStart;
        var items = Iterable(depth + 1);
        if (_index != iterEnd)
        {
            throw new PythonSyntaxException($"unexpected '{Peek.Text}' after the iterable at offset {Peek.Position}");
        }

        var shadowed = _scope.TryGetValue(name, out var previous);
        foreach (var item in items)
        {
            _scope[name] = item!;
            RunClauses(clauses, clause + 1, elementStart, elementEnd, depth, results, open);
        }

        if (shadowed)
        {
            _scope[name] = previous!;
        }
        else
        {
            _scope.Remove(name);
        }
    }

    /// <summary>Moves past one iterable (up to the next top-level 'for' or the closing ']') without evaluating it.</summary>
    private void SkipIterable(int depth)
    {
        CheckDepth(depth);
        var nesting = 0;
        while (true)
        {
            var t = Peek;
            if (t.Kind == PythonTokenKind.End)
            {
                throw new PythonSyntaxException("unterminated comprehension");
            }

            if (nesting == 0 && (t.IsName("for") || t.IsOp("]")))
            {
                return;
            }

            if (t.IsOp("(") || t.IsOp("[") || t.IsOp("{"))
            {
                nesting++;
            }
            else if (t.IsOp(")") || t.IsOp("]") || t.IsOp("}"))
            {
                nesting--;
            }

            Take();
        }
    }

    /// <summary>An iterable: <c>range(stop)</c>, <c>range(start, stop[, step])</c>, or an expression giving a list or tuple.</summary>
    private List<object?> Iterable(int depth)
    {
        if (Peek.IsName("range") && !_scope.ContainsKey("range"))
        {
            var rangeToken = Take();
            Expect("(");
            var args = new List<long>();
            while (!Peek.IsOp(")"))
            {
                args.Add(Expression(depth + 1) is BigInteger b && b >= long.MinValue && b <= long.MaxValue
                    ? (long)b
                    : throw new PythonSyntaxException("range() takes int arguments (64-bit)"));
                if (!Peek.IsOp(","))
                {
                    break;
                }

                Take();
            }

            Expect(")");
            var (start, stop, step) = args.Count switch
            {
                1 => (0L, args[0], 1L),
                2 => (args[0], args[1], 1L),
                3 => (args[0], args[1], args[2]),
                _ => throw new PythonSyntaxException($"range() takes 1 to 3 arguments, got {args.Count}"),
            };
            if (step == 0)
            {
                throw new PythonSyntaxException("range() arg 3 must not be zero");
            }

            var values = new List<object?>();
            for (var v = start; step > 0 ? v < stop : v > stop; v += step)
            {
                values.Add(v);
                CountElements(1, rangeToken);
                if ((step > 0 && v > long.MaxValue - step) || (step < 0 && v < long.MinValue - step))
                {
                    break;
                }
            }

            return values;
        }

        return Expression(depth + 1) is CfgList list
            ? [.. list]
            : throw new PythonSyntaxException("a comprehension iterates over a list, a tuple or range()");
    }

    private static object Arithmetic(PythonToken op, object left, object right)
    {
        var a = RequireNumber(left, op);
        var b = RequireNumber(right, op);
        if (op.Text == "/")
        {
            // Python 3 true division always gives a float; dividing by zero raises ZeroDivisionError.
            if (a is BigInteger x && b is BigInteger y)
            {
                return TrueDivide(x, y, op);
            }

            var divisor = ToDouble(b, op);
            return divisor == 0 ? throw new PythonSyntaxException("division by zero") : ToDouble(a, op) / divisor;
        }

        if (a is BigInteger p && b is BigInteger q)
        {
            return CheckBits(op.Text switch { "+" => p + q, "-" => p - q, _ => p * q }, op);
        }

        var (u, v) = (ToDouble(a, op), ToDouble(b, op));
        return op.Text switch
        {
            "+" => u + v,
            "-" => u - v,
            _ => u * v,
        };
    }

    /// <summary>
    /// CPython's long_true_divide: the correctly rounded quotient of two ints. Small ints are exact doubles, so one IEEE
    /// division rounds correctly; otherwise a 55-bit quotient with a sticky bit is rounded once.
    /// </summary>
    private static double TrueDivide(BigInteger a, BigInteger b, PythonToken op)
    {
        if (b.IsZero)
        {
            throw new PythonSyntaxException("division by zero");
        }

        var limit = BigInteger.One << 53;
        if (BigInteger.Abs(a) <= limit && BigInteger.Abs(b) <= limit)
        {
            return (double)(long)a / (long)b;
        }

        var negative = (a.Sign < 0) != (b.Sign < 0);
        var n = BigInteger.Abs(a);
        var d = BigInteger.Abs(b);
        if (n.IsZero)
        {
            return negative ? -0.0 : 0.0;
        }

        var shift = 55 - (int)(n.GetBitLength() - d.GetBitLength());
        var q = BigInteger.DivRem(shift >= 0 ? n << shift : n, shift >= 0 ? d : d << -shift, out var rem);
        if (!rem.IsZero)
        {
            q = (q << 1) | BigInteger.One;
            shift++;
        }

        var result = Math.ScaleB((double)(ulong)q, -shift);
        return double.IsInfinity(result)
            ? throw new PythonSyntaxException($"integer division result too large for a float (offset {op.Position})")
            : negative ? -result : result;
    }

    /// <summary>Python's <c>**</c>: int ** non-negative int is an exact int; otherwise float pow, with Python's errors.</summary>
    private static object Pow(PythonToken op, object baseValue, object exponent)
    {
        if (baseValue is BigInteger b && exponent is BigInteger e && e.Sign >= 0)
        {
            if (b.IsZero || b.IsOne || e.IsZero)
            {
                return e.IsZero ? BigInteger.One : b;
            }

            if (b == BigInteger.MinusOne)
            {
                return e.IsEven ? BigInteger.One : BigInteger.MinusOne;
            }

            if (e > MaxIntBits || (BigInteger.Abs(b).GetBitLength() - 1) * (long)e > MaxIntBits)
            {
                throw Overflow(op);
            }

            return BigInteger.Pow(b, (int)e);
        }

        var x = ToDouble(baseValue, op);
        var y = ToDouble(exponent, op);
        if (x == 0 && y < 0)
        {
            throw new PythonSyntaxException("0.0 cannot be raised to a negative power");
        }

        if (x < 0 && Math.Floor(y) != y && double.IsFinite(y))
        {
            // Python 3 returns a complex number here, which is not a config value.
            throw new PythonSyntaxException("a negative number raised to a fractional power is complex");
        }

        var r = Math.Pow(x, y);
        return double.IsInfinity(r) && double.IsFinite(x) && double.IsFinite(y)
            ? throw new PythonSyntaxException("float power overflows (OverflowError)")
            : r;
    }

    private static object RequireNumber(object value, PythonToken op) =>
        value is BigInteger or double ? value : throw new PythonSyntaxException($"operator '{op.Text}' at offset {op.Position} needs numbers");

    /// <summary>Python's int -> float: correctly rounded (round half to even), OverflowError past the float range.</summary>
    private static double ToDouble(object value, PythonToken op)
    {
        if (value is double d)
        {
            return d;
        }

        var big = (BigInteger)value;
        if (big >= long.MinValue && big <= long.MaxValue)
        {
            return (long)big;
        }

        // Keep the top 64 bits with a sticky bit for everything below, so the one rounding to 53 bits is correct.
        var magnitude = BigInteger.Abs(big);
        var shift = (int)magnitude.GetBitLength() - 64;
        var top = magnitude >> shift;
        if (!(magnitude & ((BigInteger.One << shift) - 1)).IsZero)
        {
            top |= BigInteger.One;
        }

        var result = Math.ScaleB((double)(ulong)top, shift);
        return double.IsInfinity(result)
            ? throw new PythonSyntaxException($"int too large to convert to float (offset {op.Position})")
            : big.Sign < 0 ? -result : result;
    }

    /// <summary>A value as it may be stored in a config: ints must fit 64 bits (Python's need not; Detserve refuses).</summary>
    private static object Normalize(object value) => value switch
    {
        BigInteger b when b >= long.MinValue && b <= long.MaxValue => (long)b,
        BigInteger => throw new PythonSyntaxException("integer result beyond 64 bits (a config value must fit)"),
        _ => value,
    };

    private static BigInteger CheckBits(BigInteger value, PythonToken at) =>
        BigInteger.Abs(value).GetBitLength() > MaxIntBits ? throw Overflow(at) : value;

    private static PythonSyntaxException Overflow(PythonToken op) =>
        new($"integer beyond {MaxIntBits} bits at offset {op.Position}");

    private void CountElements(int n, PythonToken at)
    {
        _elements += n;
        if (_elements > MaxElements)
        {
            throw new PythonSyntaxException($"more than {MaxElements} elements (offset {at.Position})");
        }
    }

    private static void CheckDepth(int depth)
    {
        if (depth > MaxDepth * 4)
        {
            throw new PythonSyntaxException($"expression nested deeper than {MaxDepth} levels");
        }
    }

    private void Expect(string op)
    {
        var token = Take();
        if (!token.IsOp(op))
        {
            throw new PythonSyntaxException($"expected '{op}' at offset {token.Position}, found '{token.Text}'");
        }
    }

    private static string Shorten(string s) => s.Length <= 120 ? s : s[..120] + "...";
}
