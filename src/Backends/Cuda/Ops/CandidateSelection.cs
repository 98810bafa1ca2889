namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// The compaction and gather kernels of Kernels/select.cu shared by the proposal and detection stages. Borrows the library.
/// </summary>
internal sealed class CandidateSelection(KernelLibrary library)
{
    private readonly CudaKernel _compact = library.Get("select.cu", "compact_candidates");
    private readonly CudaKernel _gather = library.Get("select.cu", "gather_kept");

    /// <summary>Dense copies, in input order, of the flagged candidates among the first <paramref name="capacity"/>; the count goes to <paramref name="outCount"/>.</summary>
    public void Compact(DeviceBuffer boxes, DeviceBuffer scores, DeviceBuffer groups, DeviceBuffer flags, int capacity,
        DeviceBuffer outBoxes, DeviceBuffer outScores, DeviceBuffer outGroups, DeviceBuffer outCount, CudaStream stream)
    {
        var args = new KernelArguments().Add(boxes).Add(scores).Add(groups).Add(flags).Add(capacity)
            .Add(outBoxes).Add(outScores).Add(outGroups).Add(outCount);
        _compact.Launch(LaunchGeometry.OneBlockPer(1, 1024), stream, args);
    }

    /// <summary>outX[p] = x[index[p]] for p &lt; *count, zeros (group −1) after it, for maxOutput slots.</summary>
    public void Gather(DeviceBuffer boxes, DeviceBuffer scores, DeviceBuffer? groups, DeviceBuffer index, DeviceBuffer count, int maxOutput,
        DeviceBuffer outBoxes, DeviceBuffer outScores, DeviceBuffer? outGroups, CudaStream stream)
    {
        var args = new KernelArguments().Add(boxes).Add(scores);
        if (groups is null) args.AddPointer(0); else args.Add(groups);
        args.Add(index).Add(count).Add(maxOutput).Add(outBoxes).Add(outScores);
        if (outGroups is null) args.AddPointer(0); else args.Add(outGroups);
        _gather.Launch(LaunchGeometry.ForElements(maxOutput), stream, args);
    }
}
