using System.Globalization;

namespace Detserve.Import.Config.Tests;

/// <summary>
/// Compares config trees as the golden acceptance defines it: same keys, same Python types (int stays int, float stays
/// float), floats within 1e-9 (absolute + relative), lists compared item by item. Tuple-ness is compared only when asked,
/// since a YAML dump writes tuples and lists alike.
/// </summary>
internal static class TreeComparer
{
    /// <summary>Every difference, as "path: message" lines; empty when equal.</summary>
    public static List<string> Differences(object? expected, object? actual, bool compareTupleness, double tolerance = 1e-9, bool outerTuplesOnly = false)
    {
        var diffs = new List<string>();
        Compare(expected, actual, "<root>", compareTupleness ? (outerTuplesOnly ? 1 : int.MaxValue) : 0, tolerance, diffs);
        return diffs;
    }

    /// <param name="outerTuplesOnly">
    /// Compare tuple-ness only of a leaf's own sequence, not of sequences inside it: yacs converts list &lt;-&gt; tuple only
    /// at the top of a value, so a reloaded dump turns ((10.0, ...), ...) into ([10.0, ...], ...).
    /// </param>
    public static void AssertEqual(object? expected, object? actual, bool compareTupleness, string context, bool outerTuplesOnly = false)
    {
        var diffs = Differences(expected, actual, compareTupleness, outerTuplesOnly: outerTuplesOnly);
        Assert.True(diffs.Count == 0, $"{context}: {diffs.Count} differences:\n{string.Join("\n", diffs.Take(40))}");
    }

    private static void Compare(object? e, object? a, string path, int tupleLevels, double tol, List<string> diffs)
    {
        switch (e)
        {
            case CfgNode en when a is CfgNode an:
            {
                foreach (var key in en.Keys)
                {
                    var childPath = path == "<root>" ? key : $"{path}.{key}";
                    if (!an.Keys.Contains(key))
                    {
                        diffs.Add($"{childPath}: missing");
                        continue;
                    }

                    Compare(en.GetValue(key), an.GetValue(key), childPath, tupleLevels, tol, diffs);
                }

                foreach (var key in an.Keys.Where(k => !en.Keys.Contains(k)))
                {
                    diffs.Add($"{(path == "<root>" ? key : $"{path}.{key}")}: unexpected key");
                }

                return;
            }

            case CfgList el when a is CfgList al:
                if (tupleLevels > 0 && el.IsTuple != al.IsTuple)
                {
                    diffs.Add($"{path}: expected a {(el.IsTuple ? "tuple" : "list")}, got a {(al.IsTuple ? "tuple" : "list")}");
                }

                if (el.Count != al.Count)
                {
                    diffs.Add($"{path}: expected {el.Count} items, got {al.Count}");
                    return;
                }

                for (var i = 0; i < el.Count; i++)
                {
                    Compare(el[i], al[i], $"{path}[{i}]", tupleLevels - 1, tol, diffs);
                }

                return;
            case double ed when a is double ad:
                if (!(ed.Equals(ad) || Math.Abs(ed - ad) <= tol * (1 + Math.Abs(ed))))
                {
                    diffs.Add(string.Create(CultureInfo.InvariantCulture, $"{path}: expected {ed:R}, got {ad:R}"));
                }

                return;
            case null when a is null:
                return;
            case long or bool or string when Equals(e, a):
                return;
            default:
                diffs.Add($"{path}: expected {Describe(e)}, got {Describe(a)}");
                return;
        }
    }

    private static string Describe(object? v) => v switch
    {
        null => "None",
        CfgNode => "a mapping",
        CfgList l => $"a {(l.IsTuple ? "tuple" : "list")} of {l.Count}",
        string s => $"str '{s}'",
        long l => $"int {l}",
        double d => string.Create(CultureInfo.InvariantCulture, $"float {d:R}"),
        bool b => $"bool {b}",
        _ => v.GetType().Name,
    };
}
