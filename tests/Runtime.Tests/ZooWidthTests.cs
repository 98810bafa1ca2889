using Detserve.Graph;
using Detserve.Graph.Spec;
using Detserve.Import.Config;
using Detserve.Import.Model;
using Detserve.Vision;

namespace Detserve.Runtime.Tests;

/// <summary>
/// The zoo-width architecture (mask_rcnn_R_50_FPN_3x.yaml: 256-channel FPN, 80 classes) with seeded weights whose FrozenBN statistics
/// come from one forward pass, at the bench spec (SCORE_THRESH_TEST 0.0, so 100 detections) on 800x1333 and 1344x1344 inputs.
/// About 20-30 s of CPU on 2 cores, so it carries the trait heavy=true (filter it out with heavy!=true for a quick run).
/// </summary>
public sealed class ZooWidthTests
{
    [Fact]
    [Trait("heavy", "true")]
    public void Zoo_width_mask_rcnn_runs_at_800x1333_and_1344x1344()
    {
        string config = Golden.Path("zoo-configs", "COCO-InstanceSegmentation", "mask_rcnn_R_50_FPN_3x.yaml");
        CfgNode cfg = ConfigLoader.LoadFile(config, ["MODEL.ROI_HEADS.SCORE_THRESH_TEST", "0.0"]);
        ArchitectureSpec arch = ArchitectureMapper.FromConfig(cfg);
        Assert.Equal(80, arch.RoiHeads!.NumClasses);
        IReadOnlyDictionary<string, HostTensor> weights = SeededModel.Generate(arch, seed: 0, calibrationSize: 128);

        // 800x1333 passes ResizeShortestEdge(800, 1333) unchanged and pads to 800x1344; 1344x1344 needs MIN/MAX_SIZE_TEST 1344.
        var cases = new (ArchitectureSpec Arch, int Height, int Width, int PaddedH, int PaddedW)[]
        {
            (arch, 800, 1333, 800, 1344),
            (arch with { Input = arch.Input with { MinSizeTest = 1344, MaxSizeTest = 1344 } }, 1344, 1344, 1344, 1344),
        };
        foreach (var c in cases)
        {
            using Predictor predictor = Predictor.Create(c.Arch, weights, new PredictorOptions(Threads: 0));
            var stages = new StageRecorder();
            RgbImage image = SeededModel.SeededImage(c.Width, c.Height, 7);
            Instances r = predictor.Run([image], stages, TestContext.Current.CancellationToken)[0];

            Assert.Equal([1, 3, c.PaddedH, c.PaddedW], stages.Get("input").Shape);
            Assert.Equal([1, 256, c.PaddedH / 4, c.PaddedW / 4], stages.Get("feat_p2").Shape);
            // p6 = max_pool2d(p5, kernel 1, stride 2): ceil(p5 / 2), 13 rows for 800 / 32 = 25.
            Assert.Equal([1, 256, ((c.PaddedH / 32) + 1) / 2, ((c.PaddedW / 32) + 1) / 2], stages.Get("feat_p6").Shape);
            Assert.Equal(1000, stages.Get("rpn_proposals_logits").Shape[0]);
            Assert.Equal(100, r.Count);
            Assert.Equal((c.Height, c.Width), (r.ImageHeight, r.ImageWidth));
            for (int i = 0; i < r.Count; i++)
            {
                Assert.InRange(r.Classes[i], 0, 79);
                Assert.True(r.Boxes[4 * i] >= 0 && r.Boxes[(4 * i) + 2] <= c.Width && r.Boxes[4 * i] < r.Boxes[(4 * i) + 2], $"box {i} x range");
                Assert.True(r.Boxes[(4 * i) + 1] >= 0 && r.Boxes[(4 * i) + 3] <= c.Height && r.Boxes[(4 * i) + 1] < r.Boxes[(4 * i) + 3], $"box {i} y range");
                if (i > 0) Assert.True(r.Scores[i] <= r.Scores[i - 1], $"scores not sorted at {i}");
            }
            Assert.Equal(100 * 28 * 28, r.MaskProbabilities!.Length);
            BinaryMask mask = r.GetMask(0)!;
            Assert.Equal((c.Width, c.Height), (mask.Width, mask.Height));
            var region = r.GetMaskRegion(0)!.Value;
            for (int y = 0; y < region.Region.Height; y++)
                for (int x = 0; x < region.Region.Width; x++)
                    Assert.Equal(mask.Data[((region.Region.Y0 + y) * c.Width) + region.Region.X0 + x], region.Crop[(y * region.Region.Width) + x]);
        }
    }
}
