using System.Globalization;

namespace Detserve.Runtime.Tests;

/// <summary>
/// llm.c-style validation: |actual - expected| &lt;= atol + rtol * |expected| per element; a failure names the tensor, the first bad
/// index and the largest differences.
/// </summary>
internal static class Tolerance
{
    public static void Check(string name, ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double atol, double rtol)
    {
        Assert.True(expected.Length == actual.Length, $"{name}: {actual.Length} values, expected {expected.Length}");
        int bad = 0, firstBad = -1;
        double maxAbs = 0, maxRel = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs(actual[i] - expected[i]);
            if (double.IsNaN(actual[i]) != double.IsNaN(expected[i])) d = double.PositiveInfinity;
            maxAbs = Math.Max(maxAbs, d);
            if (expected[i] != 0) maxRel = Math.Max(maxRel, d / Math.Abs(expected[i]));
            if (d > atol + (rtol * Math.Abs(expected[i])))
            {
                bad++;
                if (firstBad < 0) firstBad = i;
            }
        }
        Assert.True(bad == 0, string.Create(CultureInfo.InvariantCulture,
            $"{name}: {bad} of {expected.Length} values outside atol {atol} + rtol {rtol}; first at index {firstBad}: got {(firstBad >= 0 ? actual[firstBad] : 0)}, expected {(firstBad >= 0 ? expected[firstBad] : 0)}; max |diff| {maxAbs:G4}, max rel {maxRel:G4}"));
    }

    /// <summary>Max |a - e| for reporting.</summary>
    public static double MaxAbs(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual)
    {
        double m = 0;
        for (int i = 0; i < expected.Length; i++) m = Math.Max(m, Math.Abs(actual[i] - expected[i]));
        return m;
    }
}
