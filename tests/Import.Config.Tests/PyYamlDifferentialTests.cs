using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Detserve.Import.Config.Tests;

/// <summary>
/// The YAML reader against PyYAML itself: tests/Fixtures/config/pyyaml_expectations.json holds crafted documents
/// (hand-written syntax cases and seeded random documents) with what PyYAML 6.0's safe_load made of them, written by
/// make_pyyaml_expectations.py beside it. Each must read to the same tree, or fail when PyYAML failed.
/// </summary>
public sealed class PyYamlDifferentialTests
{
    private static string FixturePath
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Detserve.slnx")))
            {
                dir = dir.Parent;
            }

            return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("repository root (Detserve.slnx) not found"), "tests", "Fixtures", "config", "pyyaml_expectations.json");
        }
    }

    /// <summary>The canonical form make_pyyaml_expectations.py writes: type-tagged, strings and keys as UTF-8 hex.</summary>
    private static string Canon(object? value) => value switch
    {
        null => "N",
        bool b => b ? "B:True" : "B:False",
        long l => "I:" + l.ToString(CultureInfo.InvariantCulture),
        double d => "F:" + PythonFloatFormat.Repr(d),
        string s => "S:" + Hex(s),
        CfgList list => "[" + string.Join(",", list.Select(Canon)) + "]",
        CfgNode node => "{" + string.Join(",", node.Keys.Select(k => Hex(k) + "=" + Canon(Child(node, k)))) + "}",
        _ => throw new ArgumentException(value.GetType().Name, nameof(value)),
    };

    private static string Hex(string s) => Convert.ToHexString(Encoding.UTF8.GetBytes(s)).ToLowerInvariant();

    private static object? Child(CfgNode node, string key)
    {
        node.TryGetChild(key, out var value);
        return value;
    }

    [Fact]
    public void EveryCraftedDocument_ReadsAsPyYamlSafeLoadReadsIt()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(FixturePath));
        var failures = new List<string>();
        var count = 0;
        foreach (var item in json.RootElement.GetProperty("cases").EnumerateArray())
        {
            var text = item.GetProperty("text").GetString()!;
            var expected = item.GetProperty("result").GetString()!;
            string actual;
            try
            {
                actual = Canon(YamlTreeReader.ReadText(text, "case.yaml", YamlLimits.Default));
            }
            catch (ConfigException e)
            {
                actual = "ERROR";
                if (expected != "ERROR")
                {
                    actual += " (" + e.Message + ")";
                }
            }

            count++;
            if (actual != expected)
            {
                failures.Add($"{JsonSerializer.Serialize(text)}\n  PyYAML:  {expected}\n  Detserve: {actual}");
            }
        }

        Assert.True(count > 250, $"only {count} cases in the fixture");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} documents differ from PyYAML:\n" + string.Join("\n", failures.Take(20)));
    }
}
