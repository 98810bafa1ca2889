namespace Detserve.Runtime.Cuda;

/// <summary>
/// Places tensors with known lifetimes in one arena so that tensors alive at the same step never share bytes: greedy best fit by
/// decreasing size (the order TensorFlow Lite's ArenaPlanner and TensorRT's memory planner use), each at the lowest aligned
/// offset free of every already placed tensor whose lifetime overlaps. Pure host logic; the runner carves one allocation from it.
/// </summary>
internal static class BufferPlanner
{
    /// <summary>Alignment of every offset (cudaMalloc's own alignment, enough for vectorised loads and cuDNN's NHWC kernels).</summary>
    public const int DefaultAlignment = 256;

    /// <summary>Offsets (in request order) and the arena size.</summary>
    public static (long[] Offsets, long TotalBytes) Plan(IReadOnlyList<BufferRequest> requests, int alignment = DefaultAlignment)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentOutOfRangeException.ThrowIfLessThan(alignment, 1);
        for (int i = 0; i < requests.Count; i++)
        {
            BufferRequest r = requests[i];
            if (r.SizeBytes < 0 || r.FirstStep > r.LastStep)
                throw new ArgumentException($"buffer request {i}: {r.SizeBytes} bytes over steps [{r.FirstStep}, {r.LastStep}] is not a valid lifetime", nameof(requests));
        }
        int[] order = Enumerable.Range(0, requests.Count)
            .OrderByDescending(i => requests[i].SizeBytes).ThenBy(i => requests[i].FirstStep).ThenBy(i => i).ToArray();
        var offsets = new long[requests.Count];
        var placed = new List<int>();
        long total = 0;
        foreach (int i in order)
        {
            BufferRequest r = requests[i];
            long size = Align(r.SizeBytes, alignment);
            // Busy byte ranges of the tensors alive together with this one, by offset.
            var busy = placed.Where(j => requests[j].OverlapsInTime(r))
                .Select(j => (Start: offsets[j], End: offsets[j] + Align(requests[j].SizeBytes, alignment)))
                .OrderBy(b => b.Start).ToList();
            long offset = 0, best = -1, bestGap = long.MaxValue;
            foreach ((long start, long end) in busy)
            {
                long gap = start - offset;
                if (gap >= size && gap < bestGap) { best = offset; bestGap = gap; }
                offset = Math.Max(offset, end);
            }
            offsets[i] = best >= 0 ? best : offset;
            total = Math.Max(total, offsets[i] + size);
            placed.Add(i);
        }
        return (offsets, total);
    }

    /// <summary><paramref name="bytes"/> rounded up to a multiple of <paramref name="alignment"/>.</summary>
    public static long Align(long bytes, int alignment) => (bytes + alignment - 1) / alignment * alignment;
}
