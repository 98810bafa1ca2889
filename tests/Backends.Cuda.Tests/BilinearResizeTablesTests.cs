using Detserve.Backends.Cuda.Ops;
using Detserve.Vision;

namespace Detserve.Backends.Cuda.Tests;

/// <summary>
/// Host side of <see cref="BilinearResizeOp"/>: the packed tables are PillowResize's, the horizontal pass covers exactly
/// the rows the vertical pass reads, the workspace layout holds, and a host emulation of the two kernels' index math
/// over the packed tables reproduces <see cref="PillowResize.Bilinear(ReadOnlySpan{byte}, int, int, int, int)"/>.
/// </summary>
public sealed class BilinearResizeTablesTests
{
    /// <summary>(width, height, newWidth, newHeight): shrink by more than 2x, enlarge, odd sizes, one side unchanged, 1-pixel edges.</summary>
    public static TheoryData<int, int, int, int> Sizes() => new()
    {
        { 1, 1, 1, 1 },
        { 1, 1, 5, 3 },
        { 3, 2, 1, 1 },
        { 7, 1, 3, 1 },
        { 1, 9, 1, 4 },
        { 1, 5, 7, 5 },
        { 2, 3, 333, 1 },
        { 97, 61, 13, 7 },
        { 256, 256, 120, 120 },
        { 96, 64, 180, 120 },
        { 33, 47, 33, 20 },
        { 33, 47, 70, 47 },
        { 31, 17, 17, 31 },
        { 200, 150, 61, 401 },
        { 640, 427, 120, 80 },
        { 45, 300, 44, 299 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void PackedTables_AreThoseOfTheCpuResize(int width, int height, int newWidth, int newHeight)
    {
        var t = BilinearResizeTables.Create(width, height, newWidth, newHeight);
        Assert.Equal(newWidth != width, t.Horizontal);
        Assert.Equal(newHeight != height, t.Vertical);
        if (t.Horizontal)
        {
            var c = PillowResize.BilinearCoefficients(width, newWidth);
            Assert.Equal(c.KernelSize, t.ColumnKernelSize);
            Assert.Equal(c.First, t.Packed.AsSpan(t.ColumnFirstAt, newWidth).ToArray());
            Assert.Equal(c.Count, t.Packed.AsSpan(t.ColumnCountAt, newWidth).ToArray());
            Assert.Equal(c.Weights, t.Packed.AsSpan(t.ColumnWeightsAt, newWidth * c.KernelSize).ToArray());
        }
        else
        {
            Assert.Equal(0, t.ColumnKernelSize);
            Assert.Equal(t.ColumnFirstAt, t.RowFirstAt);
        }
        if (t.Vertical)
        {
            var r = PillowResize.BilinearCoefficients(height, newHeight);
            Assert.Equal(r.KernelSize, t.RowKernelSize);
            Assert.Equal(r.First, t.Packed.AsSpan(t.RowFirstAt, newHeight).ToArray());
            Assert.Equal(r.Count, t.Packed.AsSpan(t.RowCountAt, newHeight).ToArray());
            Assert.Equal(r.Weights, t.Packed.AsSpan(t.RowWeightsAt, newHeight * r.KernelSize).ToArray());
            Assert.Equal(t.Packed.Length, t.RowWeightsAt + newHeight * r.KernelSize);
        }
        else
        {
            Assert.Equal(0, t.RowKernelSize);
            Assert.Equal(t.RowWeightsAt, t.Packed.Length);
        }
    }

    [Fact]
    public void Coefficients_AreInRange_AndSumToOneInFixedPoint_OverAGrid()
    {
        // Triangle weights normalised to 1 and rounded half away from zero per tap: the sum is 1 << 22 within one
        // unit per tap; taps stay inside the source; no tap beyond KernelSize.
        for (int inSize = 1; inSize <= 70; inSize += 3)
        {
            for (int outSize = 1; outSize <= 160; outSize += 7)
            {
                var (kernelSize, first, count, weights) = PillowResize.BilinearCoefficients(inSize, outSize);
                for (int i = 0; i < outSize; i++)
                {
                    string where = $"{inSize} -> {outSize}, output {i}";
                    Assert.True(first[i] >= 0 && count[i] >= 1 && first[i] + count[i] <= inSize, where);
                    Assert.True(count[i] <= kernelSize, where);
                    long sum = 0;
                    for (int k = 0; k < kernelSize; k++)
                    {
                        int w = weights[(i * kernelSize) + k];
                        Assert.True(w >= 0, where);
                        if (k >= count[i]) Assert.Equal(0, w);
                        sum += w;
                    }
                    Assert.InRange(sum, (1L << PillowResize.PrecisionBits) - kernelSize, (1L << PillowResize.PrecisionBits) + kernelSize);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void HorizontalPass_CoversExactlyTheRowsTheVerticalPassReads(int width, int height, int newWidth, int newHeight)
    {
        var t = BilinearResizeTables.Create(width, height, newWidth, newHeight);
        if (!t.Vertical)
        {
            Assert.Equal(0, t.FirstRow);
            Assert.Equal(height, t.IntermediateRows);
            return;
        }
        int lo = int.MaxValue, hi = int.MinValue;
        for (int yy = 0; yy < newHeight; yy++)
        {
            lo = Math.Min(lo, t.Packed[t.RowFirstAt + yy]);
            hi = Math.Max(hi, t.Packed[t.RowFirstAt + yy] + t.Packed[t.RowCountAt + yy]);
        }
        Assert.Equal(lo, t.FirstRow);
        Assert.Equal(hi - lo, t.IntermediateRows);
        Assert.True(t.FirstRow + t.IntermediateRows <= height);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void WorkspaceLayout_TablesThenAlignedIntermediate(int width, int height, int newWidth, int newHeight)
    {
        var t = BilinearResizeTables.Create(width, height, newWidth, newHeight);
        Assert.Equal(0, t.IntermediateOffsetBytes % BilinearResizeTables.IntermediateAlignment);
        Assert.InRange(t.IntermediateOffsetBytes, 4L * t.Packed.Length, (4L * t.Packed.Length) + BilinearResizeTables.IntermediateAlignment - 1);
        long expected = t.Horizontal && t.Vertical ? (long)t.IntermediateRows * newWidth * 3 : 0;
        Assert.Equal(expected, t.IntermediateBytes);
        Assert.Equal(t.IntermediateOffsetBytes + expected, t.WorkspaceBytes);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void LaunchGeometry_CoversEveryPixelOfEachPass_WithOneSpareBlockAtMost(int width, int height, int newWidth, int newHeight)
    {
        var t = BilinearResizeTables.Create(width, height, newWidth, newHeight);
        AssertCovers(BilinearResizeOp.HorizontalGeometry(t), (long)t.IntermediateRows * newWidth);
        AssertCovers(BilinearResizeOp.VerticalGeometry(t), (long)newHeight * newWidth);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void KernelIndexMath_OverPackedTables_EqualsCpuResize(int width, int height, int newWidth, int newHeight)
    {
        var image = new byte[width * height * 3];
        new Random((width * 7919) + (height * 31) + newWidth + (newHeight * 131)).NextBytes(image);
        byte[] expected = PillowResize.Bilinear(image, width, height, newWidth, newHeight);
        Assert.Equal(expected, EmulateDevice(image, BilinearResizeTables.Create(width, height, newWidth, newHeight)));
    }

    [Fact]
    public void Create_RejectsEmptySizes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BilinearResizeTables.Create(0, 4, 4, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => BilinearResizeTables.Create(4, 4, 4, 0));
    }

    private static void AssertCovers(LaunchGeometry g, long elements)
    {
        Assert.Equal(BilinearResizeOp.BlockSize, g.BlockX);
        Assert.Equal(1, g.GridY);
        Assert.True((long)g.GridX * g.BlockX >= elements, $"{g} covers {elements}");
        Assert.True((long)(g.GridX - 1) * g.BlockX < elements || elements == 0, $"{g} has a spare block for {elements}");
    }

    /// <summary>
    /// resize_bilinear.cu thread by thread on the host: the same flat thread index to pixel mapping, the same
    /// offsets into the packed tables (as BilinearResizeOp passes them), the same int32 accumulation and clip8.
    /// </summary>
    private static byte[] EmulateDevice(byte[] image, BilinearResizeTables t)
    {
        if (!t.Horizontal && !t.Vertical) return (byte[])image.Clone();
        byte[] source = image;
        int rowOffset = 0;
        if (t.Horizontal)
        {
            var temp = new byte[t.IntermediateRows * t.NewWidth * 3];
            for (long i = 0; i < (long)t.IntermediateRows * t.NewWidth; i++)
            {
                int y = (int)(i / t.NewWidth), xx = (int)(i - ((long)y * t.NewWidth));
                int tap = (((t.FirstRow + y) * t.Width) + t.Packed[t.ColumnFirstAt + xx]) * 3;
                int n = t.Packed[t.ColumnCountAt + xx];
                for (int c = 0; c < 3; c++)
                {
                    int s = 1 << (PillowResize.PrecisionBits - 1);
                    for (int x = 0; x < n; x++)
                        s += image[tap + (x * 3) + c] * t.Packed[t.ColumnWeightsAt + (xx * t.ColumnKernelSize) + x];
                    temp[(i * 3) + c] = Clip8(s);
                }
            }
            if (!t.Vertical) return temp;
            source = temp;
            rowOffset = t.FirstRow;
        }
        var output = new byte[t.NewHeight * t.NewWidth * 3];
        for (long i = 0; i < (long)t.NewHeight * t.NewWidth; i++)
        {
            int yy = (int)(i / t.NewWidth), x = (int)(i - ((long)yy * t.NewWidth));
            int n = t.Packed[t.RowCountAt + yy];
            int tap = ((t.Packed[t.RowFirstAt + yy] - rowOffset) * t.NewWidth * 3) + (x * 3);
            for (int c = 0; c < 3; c++)
            {
                int s = 1 << (PillowResize.PrecisionBits - 1);
                for (int y = 0; y < n; y++)
                    s += source[tap + (y * t.NewWidth * 3) + c] * t.Packed[t.RowWeightsAt + (yy * t.RowKernelSize) + y];
                output[(i * 3) + c] = Clip8(s);
            }
        }
        return output;
    }

    private static byte Clip8(int accumulator)
    {
        int v = accumulator >> PillowResize.PrecisionBits;
        return v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;
    }
}
