using Detserve.Eval.Coco;
using Detserve.Eval.Masks;

namespace Detserve.Runtime.Cuda.Tests;

/// <summary>The CPU-side pieces of the GPU AP check: Instances to COCO results, and the AP comparison.</summary>
public sealed class CocoRunTests
{
    [Fact]
    public void Add_MapsClassesBoxesScoresAndMasksAsInstancesToCocoJson()
    {
        CocoGroundTruth gt = CocoGroundTruth.Load(Golden.Annotations);
        long imageId = gt.Images[0].Id;
        // Two detections on a 10x8 image; mask resolution 2 with every probability 1 (mask = the whole box region).
        var instances = new Instances(8, 10,
            boxes: [1f, 2f, 5f, 6f, 0.5f, 0.25f, 9.5f, 7.75f],
            scores: [0.9f, 0.3f],
            classes: [2, 0],
            maskProbabilities: [1f, 1f, 1f, 1f, 0f, 0f, 0f, 0f],
            maskResolution: 2);
        var builder = new CocoResultsBuilder(gt);
        CocoRun.Add(builder, gt, imageId, instances);
        CocoResults results = builder.Build();

        Assert.Equal(2, results.Count);
        CocoResult first = results[0], second = results[1];
        Assert.Equal(imageId, first.ImageId);
        // Detectron2 maps contiguous class k to the k-th sorted dataset category id.
        Assert.Equal(gt.ThingDatasetIds[2], first.CategoryId);
        Assert.Equal(gt.ThingDatasetIds[0], second.CategoryId);
        Assert.Equal((double)0.9f, first.Score);
        Assert.Equal(new BoxXywh(1, 2, 4, 4), first.Bbox);
        Assert.Equal(BoxXywh.FromXyxyFloat32(0.5f, 0.25f, 9.5f, 7.75f), second.Bbox);
        // The pasted mask of detection 0 covers its 4x4 box; detection 1's probabilities are all 0, so its mask is empty.
        Assert.Equal(16, first.Mask!.Area);
        Assert.Equal((8, 10), (first.Mask.Height, first.Mask.Width));
        Assert.Equal(0, second.Mask!.Area);
    }

    [Fact]
    public void Add_RejectsAClassOutsideTheDataset()
    {
        CocoGroundTruth gt = CocoGroundTruth.Load(Golden.Annotations);
        var instances = new Instances(4, 4, [0f, 0f, 1f, 1f], [0.5f], [gt.ThingDatasetIds.Count], null, 28);
        var e = Assert.Throws<InvalidDataException>(() => CocoRun.Add(new CocoResultsBuilder(gt), gt, 7, instances));
        Assert.Contains($"image 7: detection 0 has class {gt.ThingDatasetIds.Count}", e.Message);
    }

    [Fact]
    public void ReadReference_ReadsApOfBothIouTypes()
    {
        IReadOnlyDictionary<string, double> mask = ApCheck.ReadReference(Golden.CocoEvalOf(Golden.MaskRcnn));
        Assert.Equal(["bbox", "segm"], mask.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(0.577490125885426, mask["bbox"], 12);
        Assert.Equal(0.6709305758450946, mask["segm"], 12);
        Assert.Equal(["bbox"], ApCheck.ReadReference(Golden.CocoEvalOf(Golden.RetinaNet)).Keys);
    }

    [Theory]
    [InlineData(0.5000, 0.5000, 0.0, true)]
    [InlineData(0.5000, 0.5009, 0.09, true)]
    [InlineData(0.5000, 0.4989, 0.11, false)]
    [InlineData(0.6000, 0.6100, 1.0, false)]
    public void ApCheck_ComparesInApPoints(double reference, double measured, double points, bool within)
    {
        var check = new ApCheck("bbox", reference, measured);
        Assert.Equal(points, check.DifferencePoints, 9);
        Assert.Equal(within, check.WithinTolerance);
    }

    [Fact]
    public void Compare_Detectron2sOwnDetectionsMatchTheReference()
    {
        // The golden detections.json, as COCO results, must give back coco_eval.json's AP: the comparison itself is exact.
        CocoGroundTruth gt = CocoGroundTruth.Load(Golden.Annotations);
        CocoResults results = ReferenceDetections.Load(Golden.MaskRcnn, gt);
        IReadOnlyList<ApCheck> checks = ApCheck.Compare(gt, results, ApCheck.ReadReference(Golden.CocoEvalOf(Golden.MaskRcnn)));
        Assert.Equal(2, checks.Count);
        foreach (ApCheck c in checks) Assert.True(c.DifferencePoints < 1e-6, c.ToString());
    }
}
