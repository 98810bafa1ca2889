using Detserve.Runtime.Cuda;
using FsCheck;
using FsCheck.Fluent;

namespace Detserve.Backends.Cuda.Tests.Runtime;

/// <summary>The arena planner of the GPU runner: live tensors never share bytes, offsets are aligned, dead tensors' bytes are reused.</summary>
public sealed class BufferPlannerTests
{
    [Fact]
    public void Planner_ReusesTheBytesOfADeadTensor_ForAChain()
    {
        // a -> b -> c: a dies when b is made... b reads a (step 1), c reads b (step 2); a and c never live together.
        BufferRequest[] r = [new(1000, 0, 1), new(1000, 1, 2), new(1000, 2, 3)];
        (long[] offsets, long total) = BufferPlanner.Plan(r);
        Assert.Equal(offsets[0], offsets[2]);
        Assert.NotEqual(offsets[0], offsets[1]);
        Assert.Equal(2 * BufferPlanner.Align(1000, BufferPlanner.DefaultAlignment), total);
    }

    [Fact]
    public void Planner_PlacesTensorsAliveTogether_SideBySide()
    {
        BufferRequest[] r = [new(300, 0, 5), new(200, 0, 5), new(100, 0, 5)];
        (long[] offsets, long total) = BufferPlanner.Plan(r);
        Assert.Equal(512L + 256 + 256, total); // sizes round up to the 256-byte alignment
        Assert.Equal(3, offsets.Distinct().Count());
    }

    [Fact]
    public void Planner_RefusesAnInvertedLifetime_ByIndex()
    {
        var e = Assert.Throws<ArgumentException>(() => BufferPlanner.Plan([new BufferRequest(8, 0, 1), new BufferRequest(8, 3, 2)]));
        Assert.Contains("buffer request 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Planner_EmptyRequestList_NeedsNoBytes() => Assert.Equal(0, BufferPlanner.Plan([]).TotalBytes);

    [Fact]
    public void Planner_NeverOverlapsLiveTensors_AndStaysWithinTheSumOfSizes()
    {
        var gen = Gen.Choose(1, 40).SelectMany(count =>
            Gen.ArrayOf(Gen.Choose(0, 5000).SelectMany(size => Gen.Choose(0, 30).SelectMany(first => Gen.Choose(0, 10).Select(len =>
                new BufferRequest(size, first, first + len)))), count));
        Prop.ForAll(gen.ToArbitrary(), requests =>
        {
            (long[] offsets, long total) = BufferPlanner.Plan(requests);
            long sum = 0;
            for (int i = 0; i < requests.Length; i++)
            {
                long size = BufferPlanner.Align(requests[i].SizeBytes, BufferPlanner.DefaultAlignment);
                sum += size;
                if (offsets[i] % BufferPlanner.DefaultAlignment != 0 || offsets[i] + size > total) return false;
                for (int j = 0; j < i; j++)
                {
                    if (!requests[i].OverlapsInTime(requests[j])) continue;
                    long sizeJ = BufferPlanner.Align(requests[j].SizeBytes, BufferPlanner.DefaultAlignment);
                    bool disjoint = offsets[i] + size <= offsets[j] || offsets[j] + sizeJ <= offsets[i];
                    if (!disjoint && size > 0 && sizeJ > 0) return false;
                }
            }
            return total <= sum;
        }).QuickCheckThrowOnFailure();
    }
}
