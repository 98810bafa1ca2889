using System.Globalization;
using System.Text.Json;

namespace Detserve.Import.Config.Tests;

/// <summary>
/// The eval-tag evaluator against CPython's eval: tests/Fixtures/config/eval_expectations.json holds seeded random
/// expressions of the subset (arithmetic, lists, tuples, comprehensions over range and literal lists) with CPython's
/// values (make_eval_expectations.py). Values must match bit for bit; where CPython raises (or gives a complex number)
/// Detserve must refuse; ints beyond 64 bits are refused by design.
/// </summary>
public sealed class EvalDifferentialTests
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

            return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("repository root (Detserve.slnx) not found"), "tests", "Fixtures", "config", "eval_expectations.json");
        }
    }

    private static string Canon(object? value) => value switch
    {
        long l => "I:" + l.ToString(CultureInfo.InvariantCulture),
        double d => "F:" + PythonFloatFormat.Repr(d),
        CfgList { IsTuple: true } t => "T(" + string.Join(",", t.Select(Canon)) + ")",
        CfgList list => "[" + string.Join(",", list.Select(Canon)) + "]",
        _ => throw new ArgumentException(value?.GetType().Name ?? "null", nameof(value)),
    };

    [Fact]
    public void EveryFixtureExpression_EvaluatesAsCPython()
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
                actual = Canon(SafeExpressionEvaluator.Evaluate(text, "case"));
            }
            catch (ConfigException e)
            {
                actual = expected is "ERROR" or "BIGINT" ? expected : "ConfigException: " + e.Message;
            }

            count++;
            if (actual != expected)
            {
                failures.Add($"{text}\n  CPython:  {expected}\n  Detserve: {actual}");
            }
        }

        Assert.True(count > 1000, $"only {count} cases in the fixture");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} expressions differ from CPython:\n" + string.Join("\n", failures.Take(20)));
    }
}
