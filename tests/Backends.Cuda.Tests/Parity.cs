using System.Globalization;

namespace Detserve.Backends.Cuda.Tests;

/// <summary>
/// Element-wise comparison with |actual − expected| ≤ atol + rtol·|expected| (llm.c validate_result style); NaN
/// matches only NaN. A failure names the op and its parameters, the first bad index, the count of bad elements
/// and the largest difference.
/// </summary>
internal static class Parity
{
    public static void AssertClose(string op, string parameters, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float atol, float rtol)
    {
        Assert.True(expected.Length == actual.Length, $"{op} ({parameters}): {actual.Length} outputs, expected {expected.Length}");
        int firstBad = -1, bad = 0;
        double maxDiff = 0;
        int maxAt = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            if (float.IsNaN(e) || float.IsNaN(a))
            {
                if (float.IsNaN(e) != float.IsNaN(a)) { bad++; if (firstBad < 0) firstBad = i; }
                continue;
            }
            if (float.IsInfinity(e) || float.IsInfinity(a))
            {
                if (e != a) { bad++; if (firstBad < 0) firstBad = i; }
                continue;
            }
            double diff = Math.Abs((double)a - e);
            if (diff > maxDiff) { maxDiff = diff; maxAt = i; }
            if (diff > atol + (rtol * Math.Abs(e))) { bad++; if (firstBad < 0) firstBad = i; }
        }
        if (bad > 0)
        {
            Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{op} ({parameters}): {bad} of {expected.Length} elements differ beyond atol {atol} + rtol {rtol}; first bad index {firstBad}: " +
                $"expected {expected[firstBad]:R}, got {actual[firstBad]:R}; max |diff| {maxDiff:G6} at {maxAt}"));
        }
    }

    public static void AssertEqual<T>(string op, string parameters, ReadOnlySpan<T> expected, ReadOnlySpan<T> actual) where T : IEquatable<T>
    {
        Assert.True(expected.Length == actual.Length, $"{op} ({parameters}): {actual.Length} outputs, expected {expected.Length}");
        int bad = 0, firstBad = -1;
        for (int i = 0; i < expected.Length; i++)
            if (!expected[i].Equals(actual[i])) { bad++; if (firstBad < 0) firstBad = i; }
        if (bad > 0)
            Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{op} ({parameters}): {bad} of {expected.Length} elements differ; first bad index {firstBad}: expected {expected[firstBad]}, got {actual[firstBad]}"));
    }

    public static float[] Random(int seed, long count, float low = -1f, float high = 1f)
    {
        var rng = new Random(seed);
        var values = new float[count];
        for (long i = 0; i < count; i++) values[i] = low + ((float)rng.NextDouble() * (high - low));
        return values;
    }

    public static float[] ToFloat(ReadOnlySpan<Half> values)
    {
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = (float)values[i];
        return result;
    }

    public static Half[] ToHalf(ReadOnlySpan<float> values)
    {
        var result = new Half[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = (Half)values[i];
        return result;
    }

    /// <summary>Rounds through float16 and back: the values an FP16 run actually sees.</summary>
    public static float[] RoundToHalf(ReadOnlySpan<float> values) => ToFloat(ToHalf(values));
}
