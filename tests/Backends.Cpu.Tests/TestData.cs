using System.Globalization;

namespace Detserve.Backends.Cpu.Tests;

/// <summary>Seeded random inputs and the abs + rel comparison every parity test uses (llm.c's validate_result).</summary>
internal static class TestData
{
    internal static float[] Uniform(int seed, int length, float low = -1f, float high = 1f)
    {
        var rng = new Random(seed);
        float[] v = new float[length];
        for (int i = 0; i < length; i++) v[i] = low + ((high - low) * rng.NextSingle());
        return v;
    }

    /// <summary>Random valid boxes (x1 &lt; x2, y1 &lt; y2) inside [0, extent].</summary>
    internal static float[] Boxes(int seed, int count, float extent = 100f, float minSize = 0.5f)
    {
        var rng = new Random(seed);
        float[] b = new float[count * 4];
        for (int i = 0; i < count; i++)
        {
            float w = minSize + (rng.NextSingle() * extent * 0.5f), h = minSize + (rng.NextSingle() * extent * 0.5f);
            float x = rng.NextSingle() * (extent - w), y = rng.NextSingle() * (extent - h);
            b[i * 4] = x;
            b[(i * 4) + 1] = y;
            b[(i * 4) + 2] = x + w;
            b[(i * 4) + 3] = y + h;
        }
        return b;
    }

    /// <summary>Asserts |actual − expected| ≤ atol + rtol·|expected| everywhere; the message names the case, the first bad index and the max diff.</summary>
    internal static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float atol, float rtol, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length} != expected {expected.Length}");
        int firstBad = -1;
        float maxDiff = 0;
        int bad = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            float diff = MathF.Abs(a - e);
            bool ok = diff <= atol + (rtol * MathF.Abs(e)) || (float.IsNaN(e) && float.IsNaN(a)) || e == a;
            if (!float.IsNaN(diff)) maxDiff = MathF.Max(maxDiff, diff);
            if (!ok)
            {
                bad++;
                if (firstBad < 0) firstBad = i;
            }
        }
        if (firstBad >= 0)
        {
            Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{what}: {bad} of {expected.Length} values off (atol {atol}, rtol {rtol}); first at index {firstBad}: expected {expected[firstBad]}, got {actual[firstBad]}; max |diff| {maxDiff}"));
        }
    }
}
