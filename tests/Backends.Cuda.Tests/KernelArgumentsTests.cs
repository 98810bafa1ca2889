namespace Detserve.Backends.Cuda.Tests;

public sealed class KernelArgumentsTests
{
    [Fact]
    public void Add_PacksEachParameterInItsOwnLittleEndianSlot()
    {
        var args = new KernelArguments().Add(-2).Add(1.5f).Add(3L).Add(0.25).AddPointer(0xdead_beef_0000UL);
        Assert.Equal(5, args.Count);
        var slots = args.Slots;
        Assert.Equal(0xffff_fffeUL, slots[0]);
        Assert.Equal((ulong)BitConverter.SingleToUInt32Bits(1.5f), slots[1]);
        Assert.Equal(3UL, slots[2]);
        Assert.Equal(BitConverter.DoubleToUInt64Bits(0.25), slots[3]);
        Assert.Equal(0xdead_beef_0000UL, slots[4]);
    }

    [Fact]
    public void Add_GrowsPastTheInitialCapacity()
    {
        var args = new KernelArguments();
        for (int i = 0; i < 40; i++) args.Add(i);
        Assert.Equal(40, args.Count);
        Assert.Equal(39UL, args.Slots[39]);
    }
}
