using Detserve.Backends.Cpu.Sorting;

namespace Detserve.Backends.Cpu.Reference;

/// <summary>
/// The definition of <see cref="TopK"/>: aten/src/ATen/native/TopKImpl.h topk_impl_loop (largest=True, sorted=True)
/// on a queue of (value, index) pairs: partial_sort when k·64 ≤ n, else nth_element(k − 1) + sort(first k − 1),
/// using libstdc++'s algorithms so equal values come out in PyTorch's CPU order.
/// </summary>
public static class TopKReference
{
    /// <summary>Indices of the min(k, n) largest values, as torch.topk returns them.</summary>
    public static int[] Indices(ReadOnlySpan<float> values, int k)
    {
        int n = values.Length;
        k = Math.Min(k, n);
        if (k == 0) return [];
        ScoredIndex[] queue = new ScoredIndex[n];
        for (int j = 0; j < n; j++) queue[j] = new ScoredIndex(values[j], j);
        if (k * 64 <= n)
        {
            LibStdCxxDescending.PartialSort(queue, k);
        }
        else
        {
            LibStdCxxDescending.NthElement(queue, k - 1);
            LibStdCxxDescending.Sort(queue.AsSpan(0, k - 1));
        }
        return queue.Take(k).Select(q => q.Index).ToArray();
    }
}
