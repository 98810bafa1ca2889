using FsCheck;
using FsCheck.Fluent;

namespace Detserve.Backends.Cuda.Tests;

public sealed class LaunchGeometryTests
{
    [Theory]
    [InlineData(0, 256, 0)]
    [InlineData(1, 256, 1)]
    [InlineData(256, 256, 1)]
    [InlineData(257, 256, 2)]
    [InlineData(1_000_000, 128, 7813)]
    public void ForElements_CoversEveryElementWithWholeBlocks(long count, int block, int grid)
    {
        var g = LaunchGeometry.ForElements(count, block);
        Assert.Equal(grid, g.GridX);
        Assert.Equal(block, g.BlockX);
        Assert.True((long)g.GridX * g.BlockX >= count);
        Assert.True((long)(g.GridX - 1) * g.BlockX < Math.Max(count, 1));
        Assert.Equal(count == 0, g.IsEmpty);
    }

    [Fact]
    public void ForElements_BeyondTheGridLimit_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => LaunchGeometry.ForElements((long)int.MaxValue * 2, 1));
        Assert.Contains("grid limit", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1025)]
    public void ForElements_BadBlockSize_Throws(int block)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LaunchGeometry.ForElements(10, block));
    }

    [Fact]
    public void ForRows_PutsRowsOnGridY_AndRefusesMoreThan65535()
    {
        var g = LaunchGeometry.ForRows(1000, 3);
        Assert.Equal((4, 3, 1), (g.GridX, g.GridY, g.GridZ));
        Assert.Throws<ArgumentOutOfRangeException>(() => LaunchGeometry.ForRows(10, 65536));
    }

    [Fact]
    public void Validate_RejectsOversizedBlocks_AndNamesTheKernel()
    {
        var g = new LaunchGeometry(1, 1, 1, 64, 32, 1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => g.Validate("nms_mask"));
        Assert.Contains("nms_mask", e.Message, StringComparison.Ordinal);
        new LaunchGeometry(1, 1, 1, 32, 32, 1).Validate("ok");
    }

    [Fact]
    public void Properties_CeilDivAndCoverage()
    {
        Prop.ForAll<int, int>((a, b) =>
        {
            long count = Math.Abs((long)a), block = (Math.Abs((long)b) % 1024) + 1;
            long grid = LaunchGeometry.CeilDiv(count, block);
            return grid * block >= count && (grid == 0 || (grid - 1) * block < count);
        }).QuickCheckThrowOnFailure();
    }
}
