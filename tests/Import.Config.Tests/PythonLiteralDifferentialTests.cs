using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Detserve.Import.Config.Tests;

/// <summary>
/// Override and YAML-string decoding against CPython itself: tests/Fixtures/config/literal_expectations.json holds
/// hand-written and seeded random strings with what ast.literal_eval made of them (make_literal_expectations.py).
/// </summary>
public sealed class PythonLiteralDifferentialTests
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

            return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("repository root (Detserve.slnx) not found"), "tests", "Fixtures", "config", "literal_expectations.json");
        }
    }

    private static string Canon(object? value) => value switch
    {
        null => "N",
        bool b => b ? "B:True" : "B:False",
        long l => "I:" + l.ToString(CultureInfo.InvariantCulture),
        double d => "F:" + PythonFloatFormat.Repr(d),
        string s => "S:" + Convert.ToHexString(Encoding.UTF8.GetBytes(s)).ToLowerInvariant(),
        CfgList { IsTuple: true } t => "T(" + string.Join(",", t.Select(Canon)) + ")",
        CfgList list => "[" + string.Join(",", list.Select(Canon)) + "]",
        PythonUnsupportedValue u => "UNSUPPORTED:" + u.TypeName,
        _ => throw new ArgumentException(value.GetType().Name, nameof(value)),
    };

    [Fact]
    public void EveryFixtureString_DecodesAsCPythonLiteralEval()
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
                actual = PythonLiteral.TryParse(text, out var value) ? Canon(value) : "KEEP";
            }
            catch (ConfigException e)
            {
                actual = "ConfigException: " + e.Message;
            }

            count++;
            if (actual != expected)
            {
                failures.Add($"{JsonSerializer.Serialize(text)}\n  CPython:  {expected}\n  Detserve: {actual}");
            }
        }

        Assert.True(count > 2000, $"only {count} cases in the fixture");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} strings differ from CPython:\n" + string.Join("\n", failures.Take(25)));
    }
}
