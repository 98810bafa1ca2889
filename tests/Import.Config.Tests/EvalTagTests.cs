namespace Detserve.Import.Config.Tests;

/// <summary>
/// <c>!!python/object/apply:eval</c> is evaluated by a closed arithmetic / list-comprehension subset with Python's
/// semantics, and every other tag, name or call is refused without executing anything.
/// </summary>
public sealed class EvalTagTests
{
    private static object Eval(string expression) => SafeExpressionEvaluator.Evaluate(expression, "test");

    [Fact]
    public void BaseRetinaNetAnchorSizes_MatchDetectron2()
    {
        // ../shared/golden/README.md: the value Detectron2 computed for Base-RetinaNet.yaml.
        double[][] expected =
        [
            [32, 40.31747359663594, 50.79683366298238], [64, 80.63494719327188, 101.59366732596476],
            [128, 161.26989438654377, 203.18733465192952], [256, 322.53978877308754, 406.37466930385904],
            [512, 645.0795775461751, 812.7493386077181],
        ];
        var cfg = ConfigLoader.LoadFile(Path.Combine(GoldenPaths.ZooConfigs, "Base-RetinaNet.yaml"));
        var sizes = cfg.GetDoubleListList("MODEL.ANCHOR_GENERATOR.SIZES");
        Assert.Equal(expected.Length, sizes.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], sizes[i]);
        }

        var first = (CfgList)((CfgList)cfg.GetValue("MODEL.ANCHOR_GENERATOR.SIZES")!)[0]!;
        Assert.IsType<long>(first[0]);
        Assert.IsType<double>(first[1]);
    }

    [Theory]
    [InlineData("2**-1", "float: 0.5")]
    [InlineData("-2**2", "int: -4")]
    [InlineData("2**3**2", "int: 512")]
    [InlineData("(-2)**2", "int: 4")]
    [InlineData("7/2", "float: 3.5")]
    [InlineData("6/3", "float: 2.0")]
    [InlineData("1 + 2 * 3 - 4", "int: 3")]
    [InlineData("2 * 1.5", "float: 3.0")]
    [InlineData("(1, 2)", "tuple: (1, 2)")]
    [InlineData("(1,)", "tuple: (1,)")]
    [InlineData("[]", "list: []")]
    [InlineData("[1, 2.5, [3]]", "list: [1, 2.5, [3]]")]
    [InlineData("[x * y for x in range(3) for y in [1, 2]]", "list: [0, 0, 1, 2, 2, 4]")]
    [InlineData("[[x, y] for x in range(3) for y in range(x)]", "list: [[1, 0], [2, 0], [2, 1]]")]
    [InlineData("[x for x in range(10, 0, -3)]", "list: [10, 7, 4, 1]")]
    [InlineData("[[y for y in range(x)] for x in (1, 2)]", "list: [[0], [0, 1]]")]
    [InlineData("[x * 2**(1.0/3) for x in [32]]", "list: [40.31747359663594]")]
    public void Expression_EvaluatesWithPythonSemantics(string expression, string expected)
    {
        var value = Eval(expression);
        Assert.Equal(expected, $"{CfgValue.PythonTypeName(value)}: {CfgValue.ToPythonRepr(value)}");
    }

    [Theory]
    [InlineData("__import__('os').system('true')", "name '__import__'")]
    [InlineData("open('/etc/passwd')", "name 'open'")]
    [InlineData("x", "name 'x'")]
    [InlineData("range(3)", "name 'range'")]
    [InlineData("'a'", "not allowed")]
    [InlineData("[1] * 3", "needs numbers")]
    [InlineData("2 ** 100", "beyond 64 bits")]
    [InlineData("1 / 0", "division by zero")]
    [InlineData("(-8) ** (1/3)", "complex")]
    [InlineData("[x for x in range(10**9)]", "elements")]
    [InlineData("[x for x in 5]", "iterates over")]
    [InlineData("(1).real", "unexpected '.'")]
    [InlineData("lambda: 1", "name 'lambda'")]
    [InlineData("[x for x in range(3) if x]", "unexpected")]
    public void Expression_OutsideTheSubset_IsRefused(string expression, string expectedInMessage)
    {
        var e = Assert.Throws<ConfigException>(() => Eval(expression));
        Assert.Contains(expectedInMessage, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("test: cannot evaluate", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("K: !!python/object/apply:os.system [\"touch /tmp/pwned\"]", "!!python/object/apply:os.system")]
    [InlineData("K: !!python/object/apply:eval {args: [\"1\"]}", "!!python/object/apply:eval")]
    [InlineData("K: !!python/object/apply:eval [\"1\", \"2\"]", "exactly one string argument")]
    [InlineData("K: !!python/object/apply:eval \"1\"", "!!python/object/apply:eval")]
    [InlineData("K: !!python/object/apply:eval [\"__import__('os')\"]", "name '__import__'")]
    [InlineData("K: !!python/tuple [1, 2]", "!!python/tuple")]
    [InlineData("K: !!python/object:collections.OrderedDict {}", "!!python/object:collections.OrderedDict")]
    [InlineData("K: !!set {a, b}", "!!set")]
    [InlineData("K: !mine [1]", "!mine")]
    public void Tags_OtherThanTheEvalSubset_AreRefusedNamingTagAndLine(string line, string expectedInMessage)
    {
        var e = Assert.Throws<ConfigException>(() => YamlTreeReader.ReadText("A: 1\n" + line + "\n", "evil.yaml", YamlLimits.Default));
        Assert.Contains("evil.yaml line 2", e.Message, StringComparison.Ordinal);
        Assert.Contains(expectedInMessage, e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists("/tmp/pwned"));
    }

    [Fact]
    public void EvalTag_InsideAConfig_SetsTheKey()
    {
        var tree = (CfgNode)YamlTreeReader.ReadText("S: !!python/object/apply:eval [\"[[x] for x in [16, 32]]\"]\n", "ok.yaml", YamlLimits.Default)!;
        Assert.Equal([[16.0], [32.0]], tree.GetDoubleListList("S"));
    }
}
