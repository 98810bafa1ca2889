using System.Numerics;

namespace Detserve.Backends.Cpu.Sorting;

/// <summary>
/// The exact element moves of GCC libstdc++'s std::sort, std::partial_sort and std::nth_element (bits/stl_algo.h,
/// bits/stl_heap.h: introsort with median-of-three pivot and a final insertion sort; heap select + sort_heap;
/// introselect), with PyTorch's descending comparator (aten/src/ATen/native/cpu/SortingKernel.cpp KeyValueCompDesc
/// and TopKImpl.h): a &lt; b iff (isnan(a) and not isnan(b)) or a &gt; b. These algorithms are not stable, so the
/// order of equal values is whatever libstdc++ produces; reproducing its moves reproduces PyTorch's CPU order of ties
/// in Tensor.sort(descending=True) (used by torchvision's nms) and Tensor.topk.
/// </summary>
internal static class LibStdCxxDescending
{
    private const int Threshold = 16; // _S_threshold

    private static bool Less(in ScoredIndex a, in ScoredIndex b) =>
        (float.IsNaN(a.Value) && !float.IsNaN(b.Value)) || a.Value > b.Value;

    private static int Lg(int n) => BitOperations.Log2((uint)n);

    /// <summary>std::sort(first, last, comp).</summary>
    internal static void Sort(Span<ScoredIndex> v)
    {
        if (v.Length <= 1) return;
        IntrosortLoop(v, 0, v.Length, Lg(v.Length) * 2);
        FinalInsertionSort(v, 0, v.Length);
    }

    /// <summary>std::partial_sort(first, first + middle, last, comp).</summary>
    internal static void PartialSort(Span<ScoredIndex> v, int middle)
    {
        HeapSelect(v, 0, middle, v.Length);
        SortHeap(v, 0, middle);
    }

    /// <summary>std::nth_element(first, first + nth, last, comp).</summary>
    internal static void NthElement(Span<ScoredIndex> v, int nth)
    {
        if (v.Length == 0 || nth == v.Length) return;
        int first = 0, last = v.Length;
        int depthLimit = Lg(v.Length) * 2;
        while (last - first > 3)
        {
            if (depthLimit == 0)
            {
                HeapSelect(v, first, nth + 1, last);
                (v[first], v[nth]) = (v[nth], v[first]);
                return;
            }
            --depthLimit;
            int cut = UnguardedPartitionPivot(v, first, last);
            if (cut <= nth) first = cut;
            else last = cut;
        }
        InsertionSort(v, first, last);
    }

    /// <summary>std::sort on the sub-range [first, last).</summary>
    internal static void Sort(Span<ScoredIndex> v, int first, int last) => Sort(v[first..last]);

    private static void IntrosortLoop(Span<ScoredIndex> v, int first, int last, int depthLimit)
    {
        while (last - first > Threshold)
        {
            if (depthLimit == 0)
            {
                HeapSelect(v, first, last, last);
                SortHeap(v, first, last);
                return;
            }
            --depthLimit;
            int cut = UnguardedPartitionPivot(v, first, last);
            IntrosortLoop(v, cut, last, depthLimit);
            last = cut;
        }
    }

    private static int UnguardedPartitionPivot(Span<ScoredIndex> v, int first, int last)
    {
        int mid = first + ((last - first) / 2);
        MoveMedianToFirst(v, first, first + 1, mid, last - 1);
        return UnguardedPartition(v, first + 1, last, first);
    }

    private static void MoveMedianToFirst(Span<ScoredIndex> v, int result, int a, int b, int c)
    {
        int pick;
        if (Less(v[a], v[b]))
        {
            if (Less(v[b], v[c])) pick = b;
            else if (Less(v[a], v[c])) pick = c;
            else pick = a;
        }
        else if (Less(v[a], v[c])) pick = a;
        else if (Less(v[b], v[c])) pick = c;
        else pick = b;
        (v[result], v[pick]) = (v[pick], v[result]);
    }

    private static int UnguardedPartition(Span<ScoredIndex> v, int first, int last, int pivot)
    {
        while (true)
        {
            while (Less(v[first], v[pivot])) ++first;
            --last;
            while (Less(v[pivot], v[last])) --last;
            if (!(first < last)) return first;
            (v[first], v[last]) = (v[last], v[first]);
            ++first;
        }
    }

    private static void FinalInsertionSort(Span<ScoredIndex> v, int first, int last)
    {
        if (last - first > Threshold)
        {
            InsertionSort(v, first, first + Threshold);
            for (int i = first + Threshold; i < last; i++) UnguardedLinearInsert(v, i);
        }
        else
        {
            InsertionSort(v, first, last);
        }
    }

    private static void InsertionSort(Span<ScoredIndex> v, int first, int last)
    {
        if (first == last) return;
        for (int i = first + 1; i < last; i++)
        {
            if (Less(v[i], v[first]))
            {
                ScoredIndex val = v[i];
                v.Slice(first, i - first).CopyTo(v.Slice(first + 1, i - first));
                v[first] = val;
            }
            else
            {
                UnguardedLinearInsert(v, i);
            }
        }
    }

    private static void UnguardedLinearInsert(Span<ScoredIndex> v, int last)
    {
        ScoredIndex val = v[last];
        int next = last - 1;
        while (Less(val, v[next]))
        {
            v[last] = v[next];
            last = next;
            --next;
        }
        v[last] = val;
    }

    private static void HeapSelect(Span<ScoredIndex> v, int first, int middle, int last)
    {
        MakeHeap(v, first, middle);
        for (int i = middle; i < last; i++)
            if (Less(v[i], v[first])) PopHeap(v, first, middle, i);
    }

    private static void MakeHeap(Span<ScoredIndex> v, int first, int last)
    {
        int len = last - first;
        if (len < 2) return;
        int parent = (len - 2) / 2;
        while (true)
        {
            ScoredIndex value = v[first + parent];
            AdjustHeap(v, first, parent, len, value);
            if (parent == 0) return;
            parent--;
        }
    }

    private static void SortHeap(Span<ScoredIndex> v, int first, int last)
    {
        while (last - first > 1)
        {
            --last;
            PopHeap(v, first, last, last);
        }
    }

    private static void PopHeap(Span<ScoredIndex> v, int first, int last, int result)
    {
        ScoredIndex value = v[result];
        v[result] = v[first];
        AdjustHeap(v, first, 0, last - first, value);
    }

    private static void AdjustHeap(Span<ScoredIndex> v, int first, int holeIndex, int len, ScoredIndex value)
    {
        int topIndex = holeIndex;
        int secondChild = holeIndex;
        while (secondChild < (len - 1) / 2)
        {
            secondChild = 2 * (secondChild + 1);
            if (Less(v[first + secondChild], v[first + secondChild - 1])) secondChild--;
            v[first + holeIndex] = v[first + secondChild];
            holeIndex = secondChild;
        }
        if ((len & 1) == 0 && secondChild == (len - 2) / 2)
        {
            secondChild = 2 * (secondChild + 1);
            v[first + holeIndex] = v[first + secondChild - 1];
            holeIndex = secondChild - 1;
        }
        // __push_heap
        int parent = (holeIndex - 1) / 2;
        while (holeIndex > topIndex && Less(v[first + parent], value))
        {
            v[first + holeIndex] = v[first + parent];
            holeIndex = parent;
            parent = (holeIndex - 1) / 2;
        }
        v[first + holeIndex] = value;
    }
}
