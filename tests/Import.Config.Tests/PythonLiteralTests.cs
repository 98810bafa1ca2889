namespace Detserve.Import.Config.Tests;

/// <summary>
/// <c>KEY VALUE</c> overrides and YAML strings go through yacs' <c>_decode_cfg_value</c> (<c>ast.literal_eval</c>, the
/// string kept when it is not a literal). Every expectation below was checked against CPython 3's ast.literal_eval.
/// </summary>
public sealed class PythonLiteralTests
{
    [Theory]
    [InlineData("800", "int: 800")]
    [InlineData("(800,)", "tuple: (800,)")]
    [InlineData("800,", "tuple: (800,)")]
    [InlineData("1, 2", "tuple: (1, 2)")]
    [InlineData("[1, 2]", "list: [1, 2]")]
    [InlineData("[1,]", "list: [1]")]
    [InlineData("()", "tuple: ()")]
    [InlineData("[]", "list: []")]
    [InlineData("((1,),)", "tuple: ((1,),)")]
    [InlineData("[1, [2, (3,)]]", "list: [1, [2, (3,)]]")]
    [InlineData("(1)", "int: 1")]
    [InlineData("True", "bool: True")]
    [InlineData("None", "NoneType: None")]
    [InlineData("'abc'", "str: 'abc'")]
    [InlineData("u'x'", "str: 'x'")]
    [InlineData("'a' 'b'", "str: 'ab'")]
    [InlineData("'it''s'", "str: 'its'")]
    [InlineData("\"a\\\"b\"", "str: 'a\"b'")]
    [InlineData("r'\\n'", "str: '\\\\n'")]
    [InlineData("'\\x41\\u00e9'", "str: 'Aé'")]
    [InlineData("1e-4", "float: 0.0001")]
    [InlineData("1.", "float: 1.0")]
    [InlineData("07.5", "float: 7.5")]
    [InlineData("1e400", "float: inf")]
    [InlineData("-0.0", "float: -0.0")]
    [InlineData("+1.5", "float: 1.5")]
    [InlineData("00", "int: 0")]
    [InlineData("0_0", "int: 0")]
    [InlineData("1_000", "int: 1000")]
    [InlineData("0x1F", "int: 31")]
    [InlineData("0o17", "int: 15")]
    [InlineData("0b11", "int: 3")]
    [InlineData("-1", "int: -1")]
    [InlineData("-(1)", "int: -1")]
    [InlineData("  5", "int: 5")]
    [InlineData("5  ", "int: 5")]
    [InlineData("5 # c", "int: 5")]
    [InlineData("(1,\n2)", "tuple: (1, 2)")]
    [InlineData("1\n", "int: 1")]
    [InlineData("\n1", "int: 1")]
    [InlineData("# c\n1", "int: 1")]
    [InlineData("(1 # c\n,)", "tuple: (1,)")]
    [InlineData("[\n1,\n2\n]", "list: [1, 2]")]
    [InlineData("1\r\n", "int: 1")]
    [InlineData("\t1", "int: 1")]
    public void Literal_ParsesAsAstLiteralEval(string text, string expected)
    {
        Assert.True(PythonLiteral.TryParse(text, out var value));
        Assert.Equal(expected, $"{CfgValue.PythonTypeName(value)}: {CfgValue.ToPythonRepr(value)}");
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("res4")]
    [InlineData("detectron2://x.pkl")]
    [InlineData("./output")]
    [InlineData("0777")]
    [InlineData("-(-1)")]
    [InlineData("--1")]
    [InlineData("+True")]
    [InlineData("1+2")]
    [InlineData("f'x'")]
    [InlineData("inf")]
    [InlineData("nan")]
    [InlineData("1_")]
    [InlineData("1__0")]
    [InlineData("1 2")]
    [InlineData("1 \\\n")]
    [InlineData(" 1,\n 2")]
    [InlineData("")]
    [InlineData("__import__('os').system('ls')")]
    public void NonLiteral_KeepsTheString(string text) =>
        Assert.False(PythonLiteral.TryParse(text, out _));

    [Theory]
    [InlineData("{}", "dict")]
    [InlineData("{1: 2}", "dict")]
    [InlineData("{1}", "set")]
    [InlineData("set()", "set")]
    [InlineData("b'x'", "bytes")]
    [InlineData("1j", "complex")]
    [InlineData("1+2j", "complex")]
    [InlineData("...", "ellipsis")]
    public void LiteralOfATypeYacsRefuses_IsRecognized(string text, string typeName)
    {
        Assert.True(PythonLiteral.TryParse(text, out var value));
        Assert.Equal(typeName, Assert.IsType<PythonUnsupportedValue>(value).TypeName);
    }
}
