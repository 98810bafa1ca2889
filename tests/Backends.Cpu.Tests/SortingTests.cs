using System.Globalization;
using Detserve.Backends.Cpu.Reference;

namespace Detserve.Backends.Cpu.Tests;

/// <summary>
/// Tie order against real libstdc++: Fixtures/libstdcxx_ties.txt was written by Fixtures/libstdcxx_ties.cpp (g++ 12)
/// running std::sort / std::partial_sort / std::nth_element with PyTorch's comparator on tie-heavy inputs.
/// </summary>
public class SortingTests
{
    private static IEnumerable<(string Op, int K, float[] Values, int[] Expected)> Cases()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "libstdcxx_ties.txt");
        foreach (string line in File.ReadLines(path))
        {
            string[] parts = line.Split('|');
            string[] head = parts[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            float[] values = parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(s => s == "nan" ? float.NaN : float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            int[] expected = parts[2].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            yield return (head[0], int.Parse(head[2], CultureInfo.InvariantCulture), values, expected);
        }
    }

    [Fact]
    public void TopK_TieOrder_MatchesLibStdCxx()
    {
        int checkedCases = 0;
        foreach (var c in Cases().Where(c => c.Op == "topk"))
        {
            int[] actual = new int[c.K];
            int count = TopK.Indices(c.Values, c.K, actual);
            Assert.Equal(c.K, count);
            Assert.True(c.Expected.SequenceEqual(actual), $"TopK n={c.Values.Length} k={c.K}: expected [{string.Join(' ', c.Expected.Take(20))}...] got [{string.Join(' ', actual.Take(20))}...]");
            Assert.Equal(c.Expected, TopKReference.Indices(c.Values, c.K));
            checkedCases++;
        }
        Assert.True(checkedCases > 100, $"only {checkedCases} top-k cases in the fixture");
    }

    [Fact]
    public void NmsOrder_TieOrder_MatchesLibStdCxxSort()
    {
        // With disjoint boxes nothing is suppressed, so NMS returns exactly the descending score order of the sort.
        int checkedCases = 0;
        foreach (var c in Cases().Where(c => c.Op == "sort" && !c.Values.Any(float.IsNaN)))
        {
            int n = c.Values.Length;
            float[] boxes = new float[n * 4];
            for (int i = 0; i < n; i++)
            {
                boxes[i * 4] = i * 10f;
                boxes[(i * 4) + 1] = 0f;
                boxes[(i * 4) + 2] = (i * 10f) + 5f;
                boxes[(i * 4) + 3] = 5f;
            }
            int[] keep = new int[n];
            int kept = Nms.Suppress(boxes, c.Values, n, 0.5, keep);
            Assert.Equal(n, kept);
            Assert.True(c.Expected.SequenceEqual(keep), $"sort n={n}: expected [{string.Join(' ', c.Expected.Take(20))}...] got [{string.Join(' ', keep.Take(20))}...]");
            checkedCases++;
        }
        Assert.True(checkedCases > 10);
    }

    [Fact]
    public void TopK_DistinctValues_EqualsFullDescendingSort()
    {
        var rng = new Random(7);
        foreach (int n in new[] { 1, 5, 64, 65, 1000, 4097 })
        foreach (int k in new[] { 1, 3, n / 2, n }.Where(k => k >= 1 && k <= n).Distinct())
        {
            float[] v = Enumerable.Range(0, n).Select(i => (float)i).OrderBy(_ => rng.Next()).ToArray();
            int[] idx = new int[k];
            float[] top = new float[k];
            TopK.Indices(v, k, idx, top);
            int[] expected = Enumerable.Range(0, n).OrderByDescending(i => v[i]).Take(k).ToArray();
            Assert.Equal(expected, idx);
            for (int i = 0; i < k; i++) Assert.Equal(v[idx[i]], top[i]);
        }
    }

    [Fact]
    public void TopK_KLargerThanCount_ReturnsAll_AndEmptyInputGivesZero()
    {
        int[] idx = new int[10];
        Assert.Equal(3, TopK.Indices([1f, 3f, 2f], 10, idx));
        Assert.Equal(new[] { 1, 2, 0 }, idx[..3]);
        Assert.Equal(0, TopK.Indices([], 5, idx));
    }
}
