namespace Detserve.Import.Config.Tests;

/// <summary>
/// Scalars are typed as PyYAML's safe loader types them (YAML 1.1). Every expectation below was checked against
/// PyYAML 6.0 (<c>yaml.safe_load("k: " + text)["k"]</c>), written as Python <c>type: repr</c>.
/// </summary>
public sealed class PyYamlScalarTests
{
    [Theory]
    [InlineData("1e-4", "str: '1e-4'")]
    [InlineData("1.0e-4", "float: 0.0001")]
    [InlineData("1.0e4", "str: '1.0e4'")]
    [InlineData("1e5", "str: '1e5'")]
    [InlineData("-1.5e+3", "float: -1500.0")]
    [InlineData("yes", "bool: True")]
    [InlineData("No", "bool: False")]
    [InlineData("ON", "bool: True")]
    [InlineData("off", "bool: False")]
    [InlineData("TRUE", "bool: True")]
    [InlineData("tRue", "str: 'tRue'")]
    [InlineData("y", "str: 'y'")]
    [InlineData("~", "NoneType: None")]
    [InlineData("", "NoneType: None")]
    [InlineData("null", "NoneType: None")]
    [InlineData("NULL", "NoneType: None")]
    [InlineData("0x1F", "int: 31")]
    [InlineData("0xFF_FF", "int: 65535")]
    [InlineData("010", "int: 8")]
    [InlineData("0_7", "int: 7")]
    [InlineData("08", "str: '08'")]
    [InlineData("0o17", "str: '0o17'")]
    [InlineData("1_000", "int: 1000")]
    [InlineData("1__0", "int: 10")]
    [InlineData("1:30", "int: 90")]
    [InlineData("190:20:30", "int: 685230")]
    [InlineData("1:30.5", "float: 90.5")]
    [InlineData("0b101", "int: 5")]
    [InlineData("-0b11", "int: -3")]
    [InlineData("+1", "int: 1")]
    [InlineData("-0", "int: 0")]
    [InlineData("1.", "float: 1.0")]
    [InlineData("0.", "float: 0.0")]
    [InlineData("1._5", "float: 1.5")]
    [InlineData("._5", "str: '._5'")]
    [InlineData(".5", "float: 0.5")]
    [InlineData(".inf", "float: inf")]
    [InlineData("+.inf", "float: inf")]
    [InlineData(".Inf", "float: inf")]
    [InlineData("-.inf", "float: -inf")]
    [InlineData(".NaN", "float: nan")]
    [InlineData("'yes'", "str: 'yes'")]
    [InlineData("\"800\"", "str: '800'")]
    [InlineData("!!str 1", "str: '1'")]
    [InlineData("!!float 1", "float: 1.0")]
    [InlineData("!!int '0x10'", "int: 16")]
    [InlineData("!!bool 'On'", "bool: True")]
    [InlineData("!!null 'abc'", "NoneType: None")]
    [InlineData("! 123", "int: 123")]
    [InlineData("! '123'", "int: 123")]
    [InlineData("detectron2://ImageNetPretrained/MSRA/R-50.pkl", "str: 'detectron2://ImageNetPretrained/MSRA/R-50.pkl'")]
    public void Scalar_IsTypedAsPyYamlSafeLoad(string yamlText, string expected)
    {
        var tree = (CfgNode)YamlTreeReader.ReadText("k: " + yamlText, "test.yaml", YamlLimits.Default)!;
        var value = tree.GetValue("k");
        Assert.Equal(expected, $"{CfgValue.PythonTypeName(value)}: {CfgValue.ToPythonRepr(value)}");
    }

    [Theory]
    [InlineData("2001-12-14", "timestamp")]
    [InlineData("<<", "merge")]
    [InlineData("=", "value")]
    [InlineData("!!int abc", "not an int")]
    [InlineData("!!bool maybe", "not a YAML bool")]
    [InlineData("!!binary aGVsbG8=", "!!binary")]
    [InlineData("!!timestamp 2001-12-14", "timestamp")]
    [InlineData("!custom x", "!custom")]
    [InlineData("!!python/name:os.system ''", "!!python/name:os.system")]
    public void Scalar_PyYamlWouldRefuseOrYacsWouldReject_IsRefusedNamingTheLine(string yamlText, string expectedInMessage)
    {
        var e = Assert.Throws<ConfigException>(() => YamlTreeReader.ReadText("a: 1\nk: " + yamlText, "test.yaml", YamlLimits.Default));
        Assert.Contains("test.yaml line 2", e.Message, StringComparison.Ordinal);
        Assert.Contains(expectedInMessage, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MergeKeys_FollowPyYamlFlattenMapping()
    {
        // Checked with PyYAML: {'b': {'x': 1, 'y': 3, 'z': 4}} — own keys win, the first mapping of a merge list wins.
        const string text = "a1: &A {x: 1, y: 2}\na2: &B {y: 3, z: 4}\nb:\n  <<: [*B, *A]\n  x: 1\n";
        var tree = (CfgNode)YamlTreeReader.ReadText(text, "merge.yaml", YamlLimits.Default)!;
        Assert.Equal(1L, tree.GetLong("b.x"));
        Assert.Equal(3L, tree.GetLong("b.y"));
        Assert.Equal(4L, tree.GetLong("b.z"));
    }

    [Fact]
    public void DuplicateKeys_KeepTheLastValueAtTheFirstPosition()
    {
        var tree = (CfgNode)YamlTreeReader.ReadText("a: 1\nb: 2\na: 3\n", "dup.yaml", YamlLimits.Default)!;
        Assert.Equal(["a", "b"], tree.Keys);
        Assert.Equal(3L, tree.GetLong("a"));
    }

    [Fact]
    public void AnchorsAndAliases_AsInDetectron2Dumps_AreExpanded()
    {
        const string text = "X:\n  W: &id001\n  - 10.0\n  - 5.0\nY: *id001\n";
        var tree = (CfgNode)YamlTreeReader.ReadText(text, "alias.yaml", YamlLimits.Default)!;
        Assert.Equal([10.0, 5.0], tree.GetDoubleList("Y"));
        Assert.Equal([10.0, 5.0], tree.GetDoubleList("X.W"));
    }

    [Theory]
    [InlineData("a: 1\n---\nb: 2\n", "single document")]
    [InlineData("a: [1, {b: 2}]\n", "mapping inside a sequence")]
    [InlineData("? [a]\n: 1\n", "complex keys")]
    [InlineData("1: a\n", "config keys must be strings")]
    [InlineData("a: *nope\n", "undefined alias")]
    [InlineData("a: [1, 2\n", "invalid YAML")]
    [InlineData("a: \u0001\n", "U+0001")]
    public void MalformedYaml_IsRefusedWithAConfigException(string text, string expectedInMessage)
    {
        var e = Assert.Throws<ConfigException>(() => YamlTreeReader.ReadText(text, "bad.yaml", YamlLimits.Default));
        Assert.Contains("bad.yaml", e.Message, StringComparison.Ordinal);
        Assert.Contains(expectedInMessage, e.Message, StringComparison.Ordinal);
    }
}
