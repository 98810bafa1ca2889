using Detserve.Backends.Cuda.Ops;
using Detserve.Runtime.Cuda;

namespace Detserve.Backends.Cuda.Tests.Runtime;

/// <summary>Host-side planning of the GPU RetinaNet: the head's level shapes and the per-class NMS group bound (no device).</summary>
public sealed class RetinaNetPlanningTests
{
    [Fact]
    public void AnchorsPerCell_ReadsAFromTheHeadShapes()
    {
        // retinanet_R_50_FPN_narrow on a 512x512 input: 9 anchors, 3 classes, P3-P7.
        (int, int, int)[] cls = [(27, 64, 64), (27, 32, 32), (27, 16, 16), (27, 8, 8), (27, 4, 4)];
        (int, int, int)[] box = [(36, 64, 64), (36, 32, 32), (36, 16, 16), (36, 8, 8), (36, 4, 4)];
        Assert.Equal(9, RetinaNetLevels.AnchorsPerCell(cls, box, 3));
        Assert.Equal(1, RetinaNetLevels.AnchorsPerCell([(80, 5, 7)], [(4, 5, 7)], 80));
    }

    [Fact]
    public void AnchorsPerCell_NamesTheLevelWhoseShapesDisagree()
    {
        (int, int, int)[] cls = [(27, 64, 64), (27, 32, 32)];
        Assert.Contains("level 1", Assert.Throws<InvalidOperationException>(() =>
            RetinaNetLevels.AnchorsPerCell(cls, [(36, 64, 64), (32, 32, 32)], 3)).Message, StringComparison.Ordinal);
        Assert.Contains("level 1", Assert.Throws<InvalidOperationException>(() =>
            RetinaNetLevels.AnchorsPerCell(cls, [(36, 64, 64), (36, 16, 32)], 3)).Message, StringComparison.Ordinal);
        Assert.Contains("level 0", Assert.Throws<InvalidOperationException>(() =>
            RetinaNetLevels.AnchorsPerCell([(28, 8, 8)], [(36, 8, 8)], 3)).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => RetinaNetLevels.AnchorsPerCell(cls, [(36, 64, 64)], 3));
        Assert.Throws<InvalidOperationException>(() => RetinaNetLevels.AnchorsPerCell([], [], 3));
    }

    [Fact]
    public void ClassGroupCapacity_IsEveryCandidateUpToTheNmsBound()
    {
        Assert.Equal(500, RetinaNetPlanning.ClassGroupCapacity(500));
        Assert.Equal(BatchedNmsOp.MaxGroupSizeLimit, RetinaNetPlanning.ClassGroupCapacity(BatchedNmsOp.MaxGroupSizeLimit));
        // The zoo's 5 levels x TOPK_CANDIDATES_TEST 1000.
        Assert.Equal(BatchedNmsOp.MaxGroupSizeLimit, RetinaNetPlanning.ClassGroupCapacity(5000));
        Assert.Throws<ArgumentOutOfRangeException>(() => RetinaNetPlanning.ClassGroupCapacity(0));
    }

    [Theory]
    [InlineData(1, 8192)]
    [InlineData(2, 8192)]
    [InlineData(3, 1000)]
    public void LevelTiles_CoverEveryRowOnce_InOrder_ImageMajor(int batch, int tileElements)
    {
        // The parity tests' levels: 61x47 (several tiles, the last partial), 13x17, 7x9 and one cell; A = 3, K = 5.
        long[] planes = [61 * 47, 13 * 17, 7 * 9, 1];
        const int ak = 15;
        RetinaNetLevelTiles t = RetinaNetLevelTiles.Plan(batch, planes, ak, tileElements);
        long perImage = planes.Sum() * ak;
        Assert.Equal(batch * planes.Length, t.RowBase.Length);
        var covered = new long[t.RowBase.Length];
        int previousRow = -1, nextStart = 0;
        for (int i = 0; i < t.TileRow.Length; i++)
        {
            int r = t.TileRow[i];
            if (r != previousRow)
            {
                Assert.True(previousRow < 0 || covered[previousRow] == planes[previousRow % planes.Length] * ak, $"row {previousRow} not fully covered");
                Assert.Equal(previousRow + 1, r);
                nextStart = 0;
                previousRow = r;
            }
            Assert.Equal(nextStart, t.TileStart[i]);
            Assert.InRange(t.TileLength[i], 1, tileElements);
            nextStart += t.TileLength[i];
            covered[r] += t.TileLength[i];
        }
        for (int r = 0; r < t.RowBase.Length; r++)
        {
            int n = r / planes.Length, l = r % planes.Length;
            Assert.Equal(planes[l] * ak, covered[r]);
            Assert.Equal(planes[l], t.RowPlane[r]);
            Assert.Equal((n * perImage) + (planes.Take(l).Sum() * ak), t.RowBase[r]);
        }
        // 2867 cells x 15 = 43005 scores: 6 tiles of 8192, the last of 2045.
        if (tileElements == 8192) Assert.Equal(2045, t.TileLength[5]);
        Assert.Throws<ArgumentOutOfRangeException>(() => RetinaNetLevelTiles.Plan(batch, [4L, 0L], ak, tileElements));
    }

    [Fact]
    public void CheckSupported_RefusesNonRetinaNetsAndUnboundedDetections_ByConfigKey()
    {
        var arch = Detserve.Import.Model.ArchitectureMapper.FromConfig(
            Detserve.Import.Config.ConfigLoader.LoadFile(GoldenConfig("COCO-Detection", "retinanet_R_50_FPN_narrow"), []));
        CudaRetinaNetDetector.CheckSupported(arch);
        var unbounded = arch with { RetinaNet = arch.RetinaNet! with { DetectionsPerImage = -1 } };
        Assert.Contains("TEST.DETECTIONS_PER_IMAGE", Assert.Throws<NotSupportedException>(() => CudaRetinaNetDetector.CheckSupported(unbounded)).Message,
            StringComparison.Ordinal);
        var manyCandidates = arch with { RetinaNet = arch.RetinaNet! with { TopkCandidatesTest = TopKOp.MaxK + 1 } };
        Assert.Contains("MODEL.RETINANET.TOPK_CANDIDATES_TEST", Assert.Throws<NotSupportedException>(() => CudaRetinaNetDetector.CheckSupported(manyCandidates)).Message,
            StringComparison.Ordinal);
        var rcnn = Detserve.Import.Model.ArchitectureMapper.FromConfig(
            Detserve.Import.Config.ConfigLoader.LoadFile(GoldenConfig("COCO-InstanceSegmentation", "mask_rcnn_R_50_FPN_narrow"), []));
        Assert.Contains("MODEL.META_ARCHITECTURE", Assert.Throws<NotSupportedException>(() => CudaRetinaNetDetector.CheckSupported(rcnn)).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void GpuBenchmarkCheckSupported_AsksTheDetectorOfTheMetaArchitecture()
    {
        var retina = Detserve.Import.Model.ArchitectureMapper.FromConfig(
            Detserve.Import.Config.ConfigLoader.LoadFile(GoldenConfig("COCO-Detection", "retinanet_R_50_FPN_narrow"), []));
        var rcnn = Detserve.Import.Model.ArchitectureMapper.FromConfig(
            Detserve.Import.Config.ConfigLoader.LoadFile(GoldenConfig("COCO-InstanceSegmentation", "mask_rcnn_R_50_FPN_narrow"), []));
        Detserve.Runtime.GpuBenchmark.CheckSupported(retina);
        Detserve.Runtime.GpuBenchmark.CheckSupported(rcnn);
        // Each refusal comes from the right detector: RetinaNet's names a MODEL.RETINANET key, the R-CNN's a MODEL.ROI_BOX_HEAD key.
        var normed = retina with { RetinaNet = retina.RetinaNet! with { Norm = "GN" } };
        Assert.Contains("MODEL.RETINANET.NORM", Assert.Throws<NotSupportedException>(() => Detserve.Runtime.GpuBenchmark.CheckSupported(normed)).Message,
            StringComparison.Ordinal);
        var agnostic = rcnn with { RoiHeads = rcnn.RoiHeads! with { BoxHead = rcnn.RoiHeads.BoxHead with { ClsAgnosticBboxReg = true } } };
        Assert.Contains("MODEL.ROI_BOX_HEAD.CLS_AGNOSTIC_BBOX_REG", Assert.Throws<NotSupportedException>(() => Detserve.Runtime.GpuBenchmark.CheckSupported(agnostic)).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void PredictorOnCuda_TakesRetinaNetPastTheArchitectureCheck()
    {
        // With no GPU the refusal names the device and its driver, not MODEL.META_ARCHITECTURE; with one the RetinaNet is built.
        var spec = GoldenModel.Load(GoldenModel.RetinaNet);
        try
        {
            using var predictor = Detserve.Runtime.Predictor.Create(spec, new Detserve.Runtime.PredictorOptions("cuda:0"));
            Assert.NotNull(predictor.GpuRetinaNet);
            Assert.Null(predictor.Gpu);
        }
        catch (NotSupportedException e)
        {
            Assert.Contains("device 'cuda:0'", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("MODEL.META_ARCHITECTURE", e.Message, StringComparison.Ordinal);
        }
    }

    private static string GoldenConfig(string folder, string name)
    {
        string? root = Golden.Directory();
        if (root is null) Assert.Skip("../shared/golden is not available (set GOLDEN_DIR)");
        string path = Path.Combine(root, "configs", folder, name + ".yaml");
        if (!File.Exists(path)) Assert.Skip($"{path} is not available");
        return path;
    }
}
