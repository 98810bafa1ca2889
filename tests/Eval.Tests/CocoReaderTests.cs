using System.Text;
using Detserve.Eval.Coco;
using Detserve.Eval.Evaluation;

namespace Detserve.Eval.Tests;

/// <summary>
/// The COCO readers on broken and hostile input: errors name the record and field; truncations, random mutations and
/// random chunking of valid files let nothing but <see cref="CocoFormatException"/> escape.
/// </summary>
public sealed class CocoReaderTests
{
    private const string SmallGt = """
        {"info": {"v": [1, {"x": null}]}, "images": [{"id": 1, "width": 20, "height": 10, "file_name": "a.png"},
         {"id": 2, "width": 8, "height": 8}],
         "categories": [{"id": 1, "name": "a"}, {"id": 3, "name": "c", "supercategory": "s"}],
         "annotations": [
          {"id": 1, "image_id": 1, "category_id": 1, "area": 12.0, "bbox": [1, 1, 4, 3], "iscrowd": 0,
           "segmentation": [[1, 1, 5, 1, 5, 4, 1, 4]]},
          {"id": 2, "image_id": 1, "category_id": 3, "area": 4, "bbox": [10, 2, 2, 2], "iscrowd": 1,
           "segmentation": {"size": [10, 20], "counts": [102, 2, 8, 2, 86]}},
          {"id": 3, "image_id": 2, "category_id": 3, "area": 9, "bbox": [2, 2, 3, 3], "iscrowd": 0,
           "segmentation": {"size": [8, 8], "counts": "\\13a0"}}]}
        """;

    private const string SmallResults = """
        [{"image_id": 1, "category_id": 1, "bbox": [1.5, 1, 4, 3], "score": 0.9,
          "segmentation": {"size": [10, 20], "counts": ";3700000e4"}},
         {"image_id": 2, "category_id": 3, "bbox": [2, 2, 3, 3], "score": 0.5, "segmentation": {"size": [8, 8], "counts": "b035000f0"}},
         {"image_id": 1, "category_id": 3, "bbox": [9, 1, 4, 4], "score": 0.5, "extra": {"nested": [1, 2]}}]
        """;

    private static CocoGroundTruth Gt(string json) => CocoGroundTruth.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), "gt.json");

    private static CocoResults Results(string json, CocoGroundTruth gt) => CocoResults.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), "results.json", gt);

    [Fact]
    public void SmallFilesReadAsWritten()
    {
        CocoGroundTruth gt = Gt(SmallGt);
        Assert.Equal(2, gt.Images.Count);
        Assert.Equal(new CocoImage(1, 20, 10, "a.png"), gt.Images[0]);
        Assert.Equal(gt.Images[0], gt.FindImageByFileName("a.png"));
        Assert.Null(gt.FindImageByFileName("b.png"));
        Assert.Equal([1L, 3], gt.ThingDatasetIds);
        Assert.Equal(3, gt.Annotations.Count);
        Assert.True(gt.Annotations[1].IsCrowd);
        Assert.IsType<PolygonSegmentation>(gt.Annotations[0].Segmentation);
        Assert.IsType<UncompressedRleSegmentation>(gt.Annotations[1].Segmentation);
        var compressed = Assert.IsType<CompressedRleSegmentation>(gt.Annotations[2].Segmentation);
        Assert.Equal("\\13a0", Encoding.ASCII.GetString(compressed.Counts));
        Assert.Equal([44u, 3, 17], compressed.ToRle(8, 8).Counts.ToArray());

        CocoResults results = Results(SmallResults, gt);
        Assert.Equal(3, results.Count);
        Assert.Equal(0.9, results[0].Score);
        Assert.Null(results[2].Mask);
        Assert.Equal(12, results[0].Mask!.Area);
        Assert.Equal(9, results[1].Mask!.Area);
        Assert.Equal(new Masks.BoxXywh(2, 2, 3, 3), results[1].Mask!.Bbox);
    }

    [Fact]
    public void ReadingThroughTinyChunksGivesTheSameRecords()
    {
        byte[] gtBytes = File.ReadAllBytes(GoldenFiles.Path_("cocoeval", "gt.json"));
        byte[] resultBytes = File.ReadAllBytes(GoldenFiles.Path_("cocoeval", "dets_segm_maxdets.json"));
        CocoGroundTruth whole = CocoGroundTruth.Read(new MemoryStream(gtBytes), "gt.json");
        for (int seed = 0; seed < 3; seed++)
        {
            CocoGroundTruth chunked = CocoGroundTruth.Read(new TrickleStream(gtBytes, 7 + (seed * 50), seed), "gt.json");
            Assert.Equal(whole.Images, chunked.Images);
            Assert.Equal(whole.Categories, chunked.Categories);
            Assert.Equal(whole.Annotations.Select(a => (a.Id, a.Area, a.Bbox, a.IsCrowd)), chunked.Annotations.Select(a => (a.Id, a.Area, a.Bbox, a.IsCrowd)));
            CocoResults a = CocoResults.Read(new MemoryStream(resultBytes), "r.json", whole);
            CocoResults b = CocoResults.Read(new TrickleStream(resultBytes, 3 + (seed * 100), seed), "r.json", whole);
            Assert.Equal(a.Count, b.Count);
            Assert.Equal(Enumerable.Range(0, a.Count).Select(i => a[i]), Enumerable.Range(0, b.Count).Select(i => b[i]));
        }
    }

    [Theory]
    [InlineData("\"image_id\": 2, \"category_id\": 3, \"area\": 9", "\"image_id\": 9, \"category_id\": 3, \"area\": 9", "annotation 2 (id 3, image_id 9): image_id 9 is not in images")]
    [InlineData("\"image_id\": 2, \"category_id\": 3, \"area\": 9", "\"image_id\": 2, \"category_id\": 4, \"area\": 9", "annotation 2 (id 3, image_id 2): category_id 4 is not in categories")]
    [InlineData("\"bbox\": [2, 2, 3, 3]", "\"bbox\": [2, 2, 3]", "annotation 2 (id 3, image_id 2): field bbox has 3 numbers, expected 4")]
    [InlineData("[102, 2, 8, 2, 86]", "[102, 2, 8, 2, 85]", "annotation 1 (id 2, image_id 1): field segmentation is a malformed RLE: the runs cover 199 of the 200 pixels")]
    [InlineData("\"counts\": \"\\\\13a0\"}}]}", "\"counts\": \"\\\\13a\"}}]}", "annotation 2 (id 3, image_id 2): field segmentation is a malformed RLE: the string ends inside the number of run 2")]
    [InlineData("\"area\": 12.0, ", "", "annotation 0 (id 1, image_id 1): missing field area")]
    [InlineData("{\"id\": 2, \"width\": 8, \"height\": 8}", "{\"id\": 1, \"width\": 8, \"height\": 8}", "image 1 (id 1): the image id appears twice")]
    [InlineData("\"width\": 20,", "\"width\": \"20\",", "image 0 (id 1): field width must be an integer, got the string \"20\"")]
    public void GroundTruthErrorsNameTheRecordAndField(string find, string replace, string message)
    {
        Assert.Contains(find, SmallGt, StringComparison.Ordinal);
        var e = Assert.Throws<CocoFormatException>(() => Gt(SmallGt.Replace(find, replace, StringComparison.Ordinal)));
        Assert.Contains("gt.json: " + message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"image_id\": 2, \"category_id\": 3,", "{\"image_id\": 5, \"category_id\": 3,", "result 1 (image_id 5): image_id 5 is not an image of gt.json")]
    [InlineData("{\"image_id\": 2, \"category_id\": 3,", "{\"image_id\": 2, \"category_id\": 2,", "result 1 (image_id 2): category_id 2 is not a category of gt.json")]
    [InlineData("\"bbox\": [9, 1, 4, 4]", "\"bbox\": [9, 1, 4, 4, 5]", "result 2 (image_id 1): field bbox has 5 numbers, expected 4")]
    [InlineData("\"counts\": \";3700000e4\"", "\"counts\": \";3700000e\"", "result 0 (image_id 1): segmentation is a malformed RLE: the string ends inside")]
    [InlineData("\"counts\": \";3700000e4\"", "\"counts\": \";3700000e4~\"", "result 0 (image_id 1): segmentation is a malformed RLE: character 126 at offset 10")]
    [InlineData("\"size\": [10, 20], \"counts\": \";3700000e4\"", "\"counts\": \";3700000e4\"", "result 0 (image_id 1): field segmentation is an object without both size and counts")]
    [InlineData("\"score\": 0.9,", "", "result 0 (image_id 1): missing field score")]
    public void ResultErrorsNameTheRecordAndField(string find, string replace, string message)
    {
        Assert.Contains(find, SmallResults, StringComparison.Ordinal);
        CocoGroundTruth gt = Gt(SmallGt);
        var e = Assert.Throws<CocoFormatException>(() => Results(SmallResults.Replace(find, replace, StringComparison.Ordinal), gt));
        Assert.Contains("results.json: " + message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SegmEvaluationNamesAResultWithoutMask()
    {
        CocoGroundTruth gt = Gt(SmallGt);
        CocoResults results = Results(SmallResults, gt);
        var e = Assert.Throws<CocoFormatException>(() => CocoEvaluation.Evaluate(gt, results, IouType.Segm));
        Assert.Contains("results.json: result 2 (image_id 1) has no segmentation", e.Message, StringComparison.Ordinal);
        CocoEvalResult bbox = CocoEvaluation.Evaluate(gt, results, IouType.Bbox);
        Assert.Equal(12, bbox.Stats.Count);
    }

    [Fact]
    public void EveryTruncationFailsWithAFormatError()
    {
        byte[] gt = Encoding.UTF8.GetBytes(SmallGt);
        for (int length = 0; length < gt.Length; length++)
        {
            // Only whitespace may be cut from the end of a valid document.
            if (gt.AsSpan(length).Trim(" \r\n\t"u8).IsEmpty)
            {
                continue;
            }

            Assert.Throws<CocoFormatException>(() => CocoGroundTruth.Read(new MemoryStream(gt, 0, length), "gt.json"));
        }

        CocoGroundTruth whole = Gt(SmallGt);
        byte[] results = Encoding.UTF8.GetBytes(SmallResults);
        for (int length = 0; length < results.Length; length++)
        {
            if (results.AsSpan(length).Trim(" \r\n\t"u8).IsEmpty)
            {
                continue;
            }

            Assert.Throws<CocoFormatException>(() => CocoResults.Read(new TrickleStream(results[..length], 5, length), "results.json", whole));
        }
    }

    [Fact]
    public void RandomMutationsLetOnlyFormatErrorsEscape()
    {
        byte[][] gtSeeds = [Encoding.UTF8.GetBytes(SmallGt), File.ReadAllBytes(GoldenFiles.Path_("cocoeval", "gt.json"))];
        byte[] resultSeed = Encoding.UTF8.GetBytes(SmallResults);
        byte[] structural = "{}[]\",:0123456789-.eE \\ntfu"u8.ToArray();
        var random = new Random(20260101);
        for (int iteration = 0; iteration < 600; iteration++)
        {
            bool mutateGt = iteration % 2 == 0;
            byte[] source = mutateGt ? gtSeeds[iteration % 4 / 2] : resultSeed;
            byte[] mutated = Mutate(source, random, structural);
            try
            {
                CocoGroundTruth gt = mutateGt
                    ? CocoGroundTruth.Read(new TrickleStream(mutated, 64, iteration), "gt.json")
                    : Gt(SmallGt);
                CocoResults results = mutateGt
                    ? Results(SmallResults, gt)
                    : CocoResults.Read(new TrickleStream(mutated, 64, iteration), "results.json", gt);
                foreach (IouType type in new[] { IouType.Bbox, IouType.Segm })
                {
                    CocoEvalResult r = CocoEvaluation.Evaluate(gt, results, type);
                    Assert.Equal(12, r.Stats.Count);
                }
            }
            catch (CocoFormatException)
            {
            }
        }
    }

    [Fact]
    public void RandomBytesLetOnlyFormatErrorsEscape()
    {
        var random = new Random(7);
        CocoGroundTruth gt = Gt(SmallGt);
        for (int iteration = 0; iteration < 300; iteration++)
        {
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            if (iteration % 3 == 0 && bytes.Length > 0)
            {
                bytes[0] = (byte)(iteration % 2 == 0 ? '{' : '[');
            }

            Assert.ThrowsAny<CocoFormatException>(() => CocoGroundTruth.Read(new MemoryStream(bytes), "gt.json"));
            Assert.ThrowsAny<CocoFormatException>(() => CocoResults.Read(new MemoryStream(bytes), "results.json", gt));
        }
    }

    [Fact]
    public void OversizedRecordsAndDeepNestingAreRejected()
    {
        string deep = "{\"images\": [" + new string('[', 100) + new string(']', 100) + "]}";
        Assert.Throws<CocoFormatException>(() => Gt(deep));
        string big = "[{\"image_id\": 1, \"category_id\": 1, \"score\": 1, \"pad\": \"" + new string('x', 5000) + "\"}]";
        var e = Assert.Throws<CocoFormatException>(() => CocoResults.Read(new MemoryStream(Encoding.UTF8.GetBytes(big)), "r.json", Gt(SmallGt), new CocoReadLimits(MaxRecordBytes: 1024)));
        Assert.Contains("larger than the limit of 1024 bytes", e.Message, StringComparison.Ordinal);
    }

    private static byte[] Mutate(byte[] source, Random random, byte[] structural)
    {
        var bytes = new List<byte>(source);
        int edits = random.Next(1, 5);
        for (int e = 0; e < edits && bytes.Count > 0; e++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0:
                    bytes[at] = structural[random.Next(structural.Length)];
                    break;
                case 1:
                    bytes.Insert(at, structural[random.Next(structural.Length)]);
                    break;
                case 2:
                    bytes.RemoveAt(at);
                    break;
                default:
                    bytes[at] = (byte)random.Next(256);
                    break;
            }
        }

        return [.. bytes];
    }
}
