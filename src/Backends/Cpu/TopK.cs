using Detserve.Backends.Cpu.Sorting;

namespace Detserve.Backends.Cpu;

/// <summary>
/// torch.topk(values, k, largest=True, sorted=True) on CPU float32, including its order of ties: PyTorch's
/// topk_impl_loop (aten/src/ATen/native/TopKImpl.h) fills (value, index) pairs in index order, then uses
/// std::partial_sort when k·64 ≤ n, else std::nth_element at k − 1 followed by std::sort of the first k − 1;
/// NaN counts as the largest value. Detectron2's RPN (find_top_rpn_proposals) and RetinaNet take their candidates this way.
/// </summary>
public static class TopK
{
    /// <summary>
    /// Writes the indices of the min(k, n) largest values, largest first, to <paramref name="indices"/> and returns
    /// that count.
    /// </summary>
    public static int Indices(ReadOnlySpan<float> values, int k, Span<int> indices) => Indices(values, k, indices, default);

    /// <summary>As <see cref="Indices(ReadOnlySpan{float}, int, Span{int})"/>, also writing the selected values to <paramref name="topValues"/> (when not empty).</summary>
    public static int Indices(ReadOnlySpan<float> values, int k, Span<int> indices, Span<float> topValues)
    {
        ShapeException.ThrowIfNegative("TopK", nameof(k), k);
        int n = values.Length;
        k = Math.Min(k, n);
        ShapeException.ThrowIfLengthBelow("TopK", nameof(indices), k, indices.Length);
        if (!topValues.IsEmpty) ShapeException.ThrowIfLengthBelow("TopK", nameof(topValues), k, topValues.Length);
        if (k == 0) return 0;

        ScoredIndex[] queue = new ScoredIndex[n];
        for (int j = 0; j < n; j++) queue[j] = new ScoredIndex(values[j], j);
        Select(queue, k);
        for (int j = 0; j < k; j++)
        {
            indices[j] = queue[j].Index;
            if (!topValues.IsEmpty) topValues[j] = queue[j].Value;
        }
        return k;
    }

    /// <summary>Arranges the first k pairs as torch.topk(sorted=True) leaves them.</summary>
    internal static void Select(Span<ScoredIndex> queue, int k)
    {
        int n = queue.Length;
        bool usePartialSort = (long)k * 64 <= n;
        if (usePartialSort)
        {
            LibStdCxxDescending.PartialSort(queue, k);
        }
        else
        {
            LibStdCxxDescending.NthElement(queue, k - 1);
            LibStdCxxDescending.Sort(queue, 0, k - 1);
        }
    }
}
