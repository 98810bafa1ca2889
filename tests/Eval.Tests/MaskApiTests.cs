using System.Text.Json;
using Detserve.Eval.Coco;
using Detserve.Eval.Masks;

namespace Detserve.Eval.Tests;

/// <summary>Known values of the mask API: pycocotools-made areas of golden ground truth, malformed RLE strings.</summary>
public sealed class MaskApiTests
{
    [Fact]
    public void PolygonAndRleAreasEqualTheAreasPycocotoolsWroteIntoTheGoldenGroundTruth()
    {
        // gt.json's polygon areas come from pycocotools' rasterisation (frPyObjects + merge + area); annotation 10's
        // area differs from its mask on purpose (see golden/cocoeval/README.md).
        CocoGroundTruth gt = CocoGroundTruth.Load(GoldenFiles.Path_("cocoeval", "gt.json"));
        int polygons = 0;
        foreach (CocoAnnotation ann in gt.Annotations.Where(a => a.Id != 10))
        {
            CocoImage image = gt.FindImage(ann.ImageId)!;
            Rle rle = ann.Segmentation!.ToRle(image.Height, image.Width);
            Assert.True(ann.Area == rle.Area(), $"annotation {ann.Id}: area field {ann.Area}, mask area {rle.Area()}");
            if (ann.Segmentation is PolygonSegmentation)
            {
                polygons++;
                BoxXywh box = ann.Bbox!.Value;
                BoxXywh maskBox = rle.ToBbox();
                Assert.InRange(maskBox.X, box.X - 1, box.X + 1);
                Assert.InRange(maskBox.Y, box.Y - 1, box.Y + 1);
            }
        }

        Assert.Equal(6, polygons);
    }

    [Fact]
    public void ShapesTestAnnotationsHaveTheirMaskAreaAndToBbox()
    {
        CocoGroundTruth gt = CocoGroundTruth.Load(GoldenFiles.Path_("shapes_test", "annotations.json"));
        Assert.Equal(56, gt.Annotations.Count);
        Assert.Equal(2, gt.Annotations.Count(a => a.Segmentation is UncompressedRleSegmentation));
        foreach (CocoAnnotation ann in gt.Annotations)
        {
            CocoImage image = gt.FindImage(ann.ImageId)!;
            Rle rle = ann.Segmentation!.ToRle(image.Height, image.Width);
            Assert.Equal(ann.Area, rle.Area());
            Assert.Equal(ann.Bbox, rle.ToBbox());
        }
    }

    [Fact]
    public void AxisAlignedIntegerBoxRasterisesToItsPixels()
    {
        Rle rle = Rle.FromBbox(new BoxXywh(2, 3, 4, 5), 10, 12);
        Assert.Equal(20u, rle.Area());
        Assert.Equal(new BoxXywh(2, 3, 4, 5), rle.ToBbox());
    }

    [Theory]
    [InlineData("0", 2, 2, "cover 0 of the 4")]
    [InlineData("4", 1, 2, "more than the 2 pixels")]
    [InlineData("1 3", 2, 2, "outside the RLE alphabet")]
    [InlineData("l", 2, 2, "ends inside the number")]
    public void MalformedCompressedStringsAreRejectedWithTheReason(string counts, int h, int w, string reason)
    {
        var e = Assert.Throws<CocoFormatException>(() => Rle.FromCompressedString(counts, h, w));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KnownCompressedStringDecodes()
    {
        // A 4x4 mask with the 2x2 block at rows 1..2, columns 1..2: runs [5, 2, 2, 2, 5].
        byte[] columnMajor = [0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0];
        Rle rle = Rle.Encode(columnMajor, 4, 4);
        Assert.Equal([5u, 2, 2, 2, 5], rle.Counts.ToArray());
        Assert.Equal("52203", rle.ToCompressedString());
        Assert.Equal(new BoxXywh(1, 1, 2, 2), rle.ToBbox());
    }

    [Fact]
    public void DecodeRejectsRunsPastTheMask()
    {
        var rle = new Rle(2, 2, [1, 5]);
        Assert.Throws<CocoFormatException>(() => rle.Decode(new byte[4]));
    }
}
