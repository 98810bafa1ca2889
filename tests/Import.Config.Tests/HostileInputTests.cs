using System.Diagnostics;
using System.Text;

namespace Detserve.Import.Config.Tests;

/// <summary>
/// Parser hardening (DESIGN.md "Testing"): random bytes, mutations and every truncation of real zoo configs, alias
/// bombs, oversized files and deep nesting. Only <see cref="ConfigException"/> may escape, and every case ends fast.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private static readonly string[] SeedConfigs =
    [
        "Base-RetinaNet.yaml",
        "Base-RCNN-FPN.yaml",
        Path.Combine("COCO-InstanceSegmentation", "mask_rcnn_R_50_FPN_3x.yaml"),
    ];

    /// <summary>
    /// The fuzz target: read the bytes as a config file (with its _BASE_ resolved next to the seed's folder), merge it
    /// into the defaults and apply an override. Any exception other than ConfigException fails the test.
    /// </summary>
    private static void FuzzTarget(byte[] data, string path)
    {
        File.WriteAllBytes(path, data);
        try
        {
            _ = ConfigLoader.LoadFile(path, ["MODEL.DEVICE", "cpu"]);
        }
        catch (ConfigException)
        {
        }
    }

    /// <summary>A scratch layout where "../Base-*.yaml" from a file in sub/ resolves to the real zoo bases.</summary>
    private static (TempConfigDir Dir, string Target) Scratch()
    {
        var dir = new TempConfigDir();
        foreach (var name in new[] { "Base-RetinaNet.yaml", "Base-RCNN-FPN.yaml" })
        {
            dir.Write(name, File.ReadAllText(Path.Combine(GoldenPaths.ZooConfigs, name)));
        }

        Directory.CreateDirectory(Path.Combine(dir.Root, "sub"));
        return (dir, Path.Combine(dir.Root, "sub", "fuzz.yaml"));
    }

    private static void RunCase(byte[] data, string target, string label)
    {
        try
        {
            FuzzTarget(data, target);
        }
        catch (Exception e) when (e is not ConfigException)
        {
            Assert.Fail($"{label}: {e.GetType().Name} escaped: {e.Message}\ninput (base64): {Convert.ToBase64String(data)}\n{e.StackTrace}");
        }
    }

    [Fact]
    public void EveryTruncation_OfZooConfigs_EndsInAConfigOrAConfigException()
    {
        var (dir, target) = Scratch();
        using var _ = dir;
        var sw = Stopwatch.StartNew();
        var cases = 0;
        foreach (var name in SeedConfigs)
        {
            var bytes = File.ReadAllBytes(Path.Combine(GoldenPaths.ZooConfigs, name));
            for (var length = 0; length <= bytes.Length; length++)
            {
                RunCase(bytes[..length], target, $"{name} truncated to {length} bytes");
                cases++;
            }
        }

        output.WriteLine($"{cases} truncations in {sw.ElapsedMilliseconds} ms");
    }

    /// <summary>A 6 KB dump with anchors and aliases, cut every 5th byte (the zoo configs above are cut at every byte).</summary>
    [Fact]
    public void Truncations_OfADetectron2Dump_ReadOrFailWithAConfigException()
    {
        var bytes = File.ReadAllBytes(Path.Combine(GoldenPaths.ConfigDumps, "COCO-Detection", "retinanet_R_50_FPN_1x.yaml"));
        var sw = Stopwatch.StartNew();
        for (var length = 0; length <= bytes.Length; length += 5)
        {
            try
            {
                _ = YamlTreeReader.ReadBytes(bytes.AsSpan(0, length), "dump.yaml", YamlLimits.Default);
            }
            catch (ConfigException)
            {
            }
        }

        output.WriteLine($"{(bytes.Length / 5) + 1} dump truncations in {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void SeededMutations_OfZooConfigs_OnlyConfigExceptionEscapes()
    {
        var (dir, target) = Scratch();
        using var _ = dir;
        var random = new Random(20261122);
        var tokens = new[] { ":", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!", "!!python/object/apply:eval ", "<<: ", "'", "\"", "\n", "  ", "#", "~", "_BASE_: ", "VERSION: 1\n", "\t", "\u00e9", "%YAML 1.1\n", "---\n", "? ", "|\n", ">\n", "\\" };
        var sw = Stopwatch.StartNew();
        var cases = 0;
        foreach (var name in SeedConfigs)
        {
            var original = File.ReadAllBytes(Path.Combine(GoldenPaths.ZooConfigs, name));
            for (var i = 0; i < 250; i++)
            {
                var data = new List<byte>(original);
                var edits = 1 + random.Next(4);
                for (var e = 0; e < edits; e++)
                {
                    var at = random.Next(data.Count + 1);
                    switch (random.Next(4))
                    {
                        case 0 when data.Count > 0:
                            data[Math.Min(at, data.Count - 1)] = (byte)random.Next(256);
                            break;
                        case 1:
                            data.InsertRange(at, Encoding.UTF8.GetBytes(tokens[random.Next(tokens.Length)]));
                            break;
                        case 2 when data.Count > 0:
                            var count = Math.Min(random.Next(1, 16), data.Count - Math.Min(at, data.Count - 1));
                            data.RemoveRange(Math.Min(at, data.Count - 1), count);
                            break;
                        default:
                            var from = random.Next(data.Count + 1);
                            var len = Math.Min(random.Next(1, 40), data.Count - from);
                            data.InsertRange(at, data.GetRange(from, len));
                            break;
                    }
                }

                RunCase([.. data], target, $"{name} mutation {i}");
                cases++;
            }
        }

        output.WriteLine($"{cases} mutations in {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void SeededRandomBytes_OnlyConfigExceptionEscapes()
    {
        var (dir, target) = Scratch();
        using var _ = dir;
        var random = new Random(7);
        const string alphabet = "abcXYZ_:-[]{},&*!|>'\"#%@`~?<= \n\t0123456789.\u00e9";
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < 1500; i++)
        {
            var length = random.Next(0, 200);
            byte[] data;
            if (i % 2 == 0)
            {
                data = new byte[length];
                random.NextBytes(data);
            }
            else
            {
                var chars = new char[length];
                for (var c = 0; c < length; c++)
                {
                    chars[c] = alphabet[random.Next(alphabet.Length)];
                }

                data = Encoding.UTF8.GetBytes(chars);
            }

            RunCase(data, target, $"random case {i}");
        }

        output.WriteLine($"1500 random inputs in {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void BillionLaughs_IsRefused()
    {
        var sb = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var level = 1; level < 9; level++)
        {
            var prev = (char)('a' + level - 1);
            var name = (char)('a' + level);
            sb.Append(name).Append(": &").Append(name).Append(" [")
                .Append(string.Join(",", Enumerable.Repeat("*" + prev, 9))).Append("]\n");
        }

        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<ConfigException>(() => YamlTreeReader.ReadText(sb.ToString(), "laughs.yaml", YamlLimits.Default));
        output.WriteLine($"refused in {sw.ElapsedMilliseconds} ms: {e.Message}");
        Assert.Contains("laughs.yaml line", e.Message, StringComparison.Ordinal);
        Assert.Contains("alias", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MappingAliasBomb_ThroughMergeKeys_IsRefused()
    {
        var sb = new StringBuilder("a: &a {k0: 1, k1: 2, k2: 3, k3: 4, k4: 5, k5: 6, k6: 7, k7: 8}\n");
        for (var level = 1; level < 12; level++)
        {
            var prev = $"m{level - 1}";
            var keys = string.Join(", ", Enumerable.Range(0, 8).Select(i => $"x{i}: *{(level == 1 ? "a" : prev)}"));
            sb.Append($"m{level}: &m{level} {{{keys}}}\n");
        }

        var e = Assert.Throws<ConfigException>(() => YamlTreeReader.ReadText(sb.ToString(), "bomb.yaml", YamlLimits.Default));
        Assert.Contains("alias", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DiamondOfBases_CannotMultiplyTheWork()
    {
        // f0 lists f1 twice, f1 lists f2 twice, ...: 2^30 loads without a budget.
        using var dir = new TempConfigDir();
        for (var i = 0; i < 30; i++)
        {
            dir.Write($"f{i}.yaml", $"_BASE_: [f{i + 1}.yaml, f{i + 1}.yaml]\n");
        }

        var last = dir.Write("f30.yaml", "MODEL:\n  DEVICE: cpu\n");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(Path.Combine(dir.Root, "f0.yaml")));
        Assert.Contains("more than 64 files", e.Message, StringComparison.Ordinal);
        Assert.Equal("cpu", ConfigLoader.LoadFile(last).GetString("MODEL.DEVICE"));
    }

    [Fact]
    public void AliasBombSpreadOverBases_IsRefused()
    {
        using var dir = new TempConfigDir();
        var list = "[" + string.Join(",", Enumerable.Repeat("1", 1000)) + "]";
        for (var i = 0; i < 40; i++)
        {
            dir.Write($"b{i}.yaml", (i < 39 ? $"_BASE_: b{i + 1}.yaml\n" : string.Empty) + $"MODEL:\n  PIXEL_MEAN: &x {list}\nTEST:\n  EXPECTED_RESULTS: [*x, *x, *x]\n");
        }

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(Path.Combine(dir.Root, "b0.yaml"), null, YamlLimits.Default with { MaxBaseDepth = 64 }));
        Assert.Contains("YAML nodes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HundredMegabyteFile_IsRefusedBeforeReading()
    {
        using var dir = new TempConfigDir();
        var path = Path.Combine(dir.Root, "huge.yaml");
        using (var stream = File.Create(path))
        {
            stream.SetLength(100L * 1024 * 1024);
        }

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("104857600 bytes", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[", "]")]
    [InlineData("{a: ", "}")]
    [InlineData("- ", "")]
    public void DeepNesting_IsRefused(string open, string close)
    {
        var text = "k: " + string.Concat(Enumerable.Repeat(open, 5000)) + "1" + string.Concat(Enumerable.Repeat(close, 5000)) + "\n";
        var e = Assert.Throws<ConfigException>(() => YamlTreeReader.ReadText(text, "deep.yaml", YamlLimits.Default));
        Assert.Contains("deep.yaml line", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeepLiterals_InOverridesAndEval_AreRefusedWithoutStackOverflow()
    {
        // CPython: brackets nested deeper than 200 are a SyntaxError, so yacs keeps the text as a string; 150 levels parse.
        var deep = new string('[', 100_000) + new string(']', 100_000);
        Assert.Equal(deep, ConfigLoader.ApplyOverrides(ConfigLoader.Defaults(), ["SOLVER.WEIGHT_DECAY_BIAS", deep]).GetString("SOLVER.WEIGHT_DECAY_BIAS"));
        var nested = ConfigLoader.ApplyOverrides(ConfigLoader.Defaults(), ["SOLVER.WEIGHT_DECAY_BIAS", new string('[', 150) + new string(']', 150)]);
        Assert.IsType<CfgList>(nested.GetValue("SOLVER.WEIGHT_DECAY_BIAS"));
        Assert.Throws<ConfigException>(() => SafeExpressionEvaluator.Evaluate(new string('(', 100_000) + "1" + new string(')', 100_000), "deep"));
        Assert.Throws<ConfigException>(() => SafeExpressionEvaluator.Evaluate(string.Concat(Enumerable.Repeat("-", 100_000)) + "1", "deep"));
    }

    [Fact]
    public void InvalidUtf8_IsRefusedNamingTheOffset()
    {
        var e = Assert.Throws<ConfigException>(() => YamlTreeReader.ReadBytes([(byte)'a', (byte)':', (byte)' ', 0xC3, 0x28], "bad.yaml", YamlLimits.Default));
        Assert.Contains("bad.yaml: not valid UTF-8", e.Message, StringComparison.Ordinal);
    }
}
