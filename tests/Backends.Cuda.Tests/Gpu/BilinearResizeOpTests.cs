using Detserve.Backends.Cuda.Ops;
using Detserve.Vision;

namespace Detserve.Backends.Cuda.Tests.Gpu;

/// <summary>BilinearResizeOp is bit-exact with PillowResize.Bilinear (the CPU Predictor's resize) on random images.</summary>
[Collection("gpu")]
[Trait("gpu", "true")]
public sealed class BilinearResizeOpTests(GpuFixture gpu)
{
    public static TheoryData<int, int, int, int> Sizes() => BilinearResizeTablesTests.Sizes();

    [Theory]
    [MemberData(nameof(Sizes))]
    [InlineData(640, 480, 1066, 800)]
    [InlineData(1333, 37, 401, 1200)]
    [InlineData(4000, 3000, 1067, 800)]
    public void Resize_IsBitExactWithPillowResize(int width, int height, int newWidth, int newHeight)
        => AssertBitExact(width, height, newWidth, newHeight);

    [Theory]
    [InlineData(800, 1333)]
    [InlineData(120, 1333)]
    public void Resize_GoldenShapesTestSizes_AtResizeShortestEdge_IsBitExact(int shortEdge, int maxSize)
    {
        string? root = Golden.Directory();
        if (root is null) Assert.Skip("../shared/golden is not available (set GOLDEN_DIR)");
        string dir = Path.Combine(root, "shapes_test");
        var files = Directory.GetFiles(dir, "*.png").Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(files);
        foreach (string file in files)
        {
            // File names are <id>_<width>x<height>.png (golden README, shapes_test/).
            string name = Path.GetFileNameWithoutExtension(file);
            string[] wh = name[(name.IndexOf('_', StringComparison.Ordinal) + 1)..].Split('x');
            int width = int.Parse(wh[0], System.Globalization.CultureInfo.InvariantCulture);
            int height = int.Parse(wh[1], System.Globalization.CultureInfo.InvariantCulture);
            var (newHeight, newWidth) = ResizeShortestEdge.GetOutputShape(height, width, shortEdge, maxSize);
            AssertBitExact(width, height, newWidth, newHeight);
        }
    }

    private void AssertBitExact(int width, int height, int newWidth, int newHeight)
    {
        var image = new byte[width * height * 3];
        new Random((width * 7919) + (height * 31) + newWidth + (newHeight * 131)).NextBytes(image);
        byte[] expected = PillowResize.Bilinear(image, width, height, newWidth, newHeight);
        var tables = BilinearResizeTables.Create(width, height, newWidth, newHeight);
        using var dImage = gpu.Upload<byte>(image);
        using var dOut = gpu.Device.Allocate(expected.Length);
        using var workspace = gpu.Device.Allocate(Math.Max(1, tables.WorkspaceBytes));
        dOut.Fill(0xa5, gpu.Stream);
        workspace.Fill(0xa5, gpu.Stream);
        new BilinearResizeOp(gpu.Kernels).Enqueue(tables, dImage, dOut, workspace, gpu.Stream);
        var actual = new byte[expected.Length];
        dOut.Download<byte>(actual, gpu.Stream);
        int mismatches = 0, firstAt = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] == actual[i]) continue;
            if (firstAt < 0) firstAt = i;
            mismatches++;
        }
        Assert.True(mismatches == 0,
            $"{width}x{height} -> {newWidth}x{newHeight}: {mismatches} of {expected.Length} bytes differ, first at byte {firstAt} " +
            $"(pixel {(firstAt < 0 ? 0 : firstAt / 3 % newWidth)}, {(firstAt < 0 ? 0 : firstAt / 3 / newWidth)}): " +
            $"cpu {(firstAt < 0 ? 0 : expected[firstAt])} gpu {(firstAt < 0 ? 0 : actual[firstAt])}");
    }
}
