namespace Detserve.Import.Weights;

/// <summary>
/// Copies a strided view (a torch tensor over its storage, a Fortran-ordered numpy array) into C-contiguous bytes,
/// after checking that every element it addresses lies inside the source.
/// </summary>
internal static class StridedLayout
{
    /// <summary>C-contiguous strides (in elements) of <paramref name="shape"/>.</summary>
    public static long[] ContiguousStrides(IReadOnlyList<int> shape)
    {
        var strides = new long[shape.Count];
        long step = 1;
        for (int d = shape.Count - 1; d >= 0; d--)
        {
            strides[d] = step;
            step *= Math.Max(shape[d], 1);
        }
        return strides;
    }

    /// <summary>Fortran (column-major) strides (in elements) of <paramref name="shape"/>.</summary>
    public static long[] FortranStrides(IReadOnlyList<int> shape)
    {
        var strides = new long[shape.Count];
        long step = 1;
        for (int d = 0; d < shape.Count; d++)
        {
            strides[d] = step;
            step *= Math.Max(shape[d], 1);
        }
        return strides;
    }

    /// <summary>
    /// The highest element index the view addresses (offset + sum((size - 1) * stride)), or -1 for an empty view.
    /// Null when a stride is negative or the sum overflows.
    /// </summary>
    public static long? LastElement(long offset, IReadOnlyList<int> shape, IReadOnlyList<long> strides)
    {
        long last = offset;
        for (int d = 0; d < shape.Count; d++)
        {
            if (shape[d] == 0) return -1;
            if (strides[d] < 0) return null;
            try
            {
                last = checked(last + (shape[d] - 1L) * strides[d]);
            }
            catch (OverflowException)
            {
                return null;
            }
        }
        return last;
    }

    /// <summary>
    /// Gathers the view (<paramref name="offset"/>, <paramref name="shape"/>, <paramref name="strides"/>, all in elements of
    /// <paramref name="itemSize"/> bytes) of <paramref name="source"/> into a new C-contiguous array.
    /// The caller has checked the bounds with <see cref="LastElement"/>.
    /// </summary>
    public static byte[] Gather(ReadOnlySpan<byte> source, long offset, IReadOnlyList<int> shape, IReadOnlyList<long> strides, int itemSize, long elementCount)
    {
        var result = new byte[checked(elementCount * itemSize)];
        if (elementCount == 0) return result;
        long[] contiguous = ContiguousStrides(shape);
        bool isContiguous = true;
        for (int d = 0; d < shape.Count; d++)
            if (shape[d] != 1 && strides[d] != contiguous[d]) isContiguous = false;
        if (isContiguous)
        {
            source.Slice(checked((int)(offset * itemSize)), result.Length).CopyTo(result);
            return result;
        }
        int rank = shape.Count;
        var index = new int[rank];
        long at = offset;
        Span<byte> target = result;
        for (long n = 0; n < elementCount; n++)
        {
            source.Slice((int)(at * itemSize), itemSize).CopyTo(target.Slice((int)(n * itemSize), itemSize));
            // Odometer increment over the C-order index, innermost dimension fastest.
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d]++;
                at += strides[d];
                if (index[d] < shape[d]) break;
                at -= strides[d] * shape[d];
                index[d] = 0;
            }
        }
        return result;
    }

    /// <summary>Reverses the bytes of every element in place (big-endian data to little-endian).</summary>
    public static void SwapBytes(Span<byte> data, int itemSize)
    {
        if (itemSize <= 1) return;
        for (int i = 0; i + itemSize <= data.Length; i += itemSize) data.Slice(i, itemSize).Reverse();
    }
}
