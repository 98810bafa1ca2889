namespace Detserve.Import.Config.Tests;

/// <summary>
/// ToYaml writes what yacs' dump writes (sorted keys, block style, PyYAML's float and string forms) and reads back to
/// the same tree; a dumped config loaded with LoadFile gives the same config back, tuples included.
/// </summary>
public sealed class CfgYamlWriterTests
{
    [Theory]
    [InlineData(1e-05, "1.0e-05")]
    [InlineData(1e16, "1.0e+16")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e22, "1.0e+22")]
    [InlineData(123456789012345678.0, "1.2345678901234568e+17")]
    [InlineData(5e-324, "5.0e-324")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(103.53, "103.53")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(double.PositiveInfinity, ".inf")]
    [InlineData(double.NegativeInfinity, "-.inf")]
    [InlineData(double.NaN, ".nan")]
    public void Float_IsWrittenAsPyYamlSafeDump(double value, string expected) =>
        Assert.Equal(expected, CfgYamlWriter.Scalar(value));

    [Theory]
    [InlineData("yes")]
    [InlineData("800")]
    [InlineData("")]
    [InlineData(" a")]
    [InlineData("a: b")]
    [InlineData("#x")]
    [InlineData("'q'")]
    [InlineData("l\nb")]
    [InlineData("é")]
    [InlineData("-x")]
    [InlineData("~")]
    [InlineData("1e-4")]
    [InlineData("./output")]
    [InlineData("a,b")]
    [InlineData("[x]")]
    [InlineData("tab\there \"quoted\" back\\slash")]
    [InlineData("...")]
    [InlineData("x:")]
    [InlineData("emoji 🙂")]
    public void String_ReadsBackAsTheSameString(string value)
    {
        var node = ConfigLoader.ApplyOverrides(ConfigLoader.Defaults(), ["SOLVER.WEIGHT_DECAY_BIAS", CfgValue.ToPythonRepr(value).Replace("\n", "\\n", StringComparison.Ordinal)]);
        Assert.Equal(value, node.GetString("SOLVER.WEIGHT_DECAY_BIAS"));
        var back = (CfgNode)YamlTreeReader.ReadText(node.ToYaml(), "dump.yaml", YamlLimits.Default)!;
        Assert.Equal(value, back.GetString("SOLVER.WEIGHT_DECAY_BIAS"));
    }

    [Fact]
    public void Dump_LaysOutLikeYacs()
    {
        var yaml = ConfigLoader.Defaults().ToYaml();
        Assert.StartsWith("CUDNN_BENCHMARK: false\nDATALOADER:\n  ASPECT_RATIO_GROUPING: true\n", yaml, StringComparison.Ordinal);
        Assert.Contains("\n    ANGLES:\n    - - -90\n      - 0\n      - 90\n", yaml, StringComparison.Ordinal);
        Assert.Contains("\n  PROPOSAL_FILES_TEST: []\n", yaml, StringComparison.Ordinal);
        Assert.Contains("\n  WEIGHT_DECAY_BIAS: null\n", yaml, StringComparison.Ordinal);
        Assert.Contains("\nFLOAT32_PRECISION: ''\n", yaml, StringComparison.Ordinal);
        Assert.Contains("\n  WARMUP_FACTOR: 0.001\n", yaml, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(GoldenConfigTests.Dumps), MemberType = typeof(GoldenConfigTests))]
    public void ToYaml_OfEveryGoldenConfig_RoundTripsThroughReaderAndLoader(string relativePath)
    {
        var cfg = ConfigLoader.LoadFile(Path.Combine(GoldenPaths.ZooConfigs, relativePath));
        var yaml = cfg.ToYaml();
        var tree = YamlTreeReader.ReadText(yaml, "dump.yaml", YamlLimits.Default);
        TreeComparer.AssertEqual(cfg, tree, compareTupleness: false, relativePath + " (tree)");

        using var dir = new TempConfigDir();
        var reloaded = ConfigLoader.LoadFile(dir.Write("dumped.yaml", yaml));
        TreeComparer.AssertEqual(cfg, reloaded, compareTupleness: true, relativePath + " (LoadFile)", outerTuplesOnly: true);

        // An engine file embeds the dump and reads it back with LoadResolvedText: the same config, and the dump is a fixed point.
        var fromText = ConfigLoader.LoadResolvedText(yaml, "engine.yaml");
        TreeComparer.AssertEqual(cfg, fromText, compareTupleness: true, relativePath + " (LoadResolvedText)", outerTuplesOnly: true);
        Assert.Equal(yaml, fromText.ToYaml());
    }

    [Fact]
    public void LoadResolvedText_RefusesBaseAndNonMappings_AndAppliesOverrides()
    {
        var cfg = ConfigLoader.LoadResolvedText(ConfigLoader.LoadFile(Path.Combine(GoldenPaths.ZooConfigs, "COCO-Detection", "retinanet_R_50_FPN_1x.yaml")).ToYaml(),
            "engine.yaml", ["MODEL.RETINANET.SCORE_THRESH_TEST", "0.5"]);
        Assert.Equal(0.5, cfg.GetDouble("MODEL.RETINANET.SCORE_THRESH_TEST"));
        Assert.Contains("_BASE_", Assert.Throws<ConfigException>(() => ConfigLoader.LoadResolvedText("_BASE_: x.yaml\n", "engine.yaml")).Message, StringComparison.Ordinal);
        Assert.Contains("engine.yaml", Assert.Throws<ConfigException>(() => ConfigLoader.LoadResolvedText("- 1\n", "engine.yaml")).Message, StringComparison.Ordinal);
    }
}
