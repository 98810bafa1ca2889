using System.Text.Json;
using Detserve.Vision;

namespace Detserve.Runtime.Tests;

/// <summary>
/// Final detections on all 12 shapes_test images at the shipped settings (MIN_SIZE_TEST 800, MAX_SIZE_TEST 1333) one-to-one with
/// Detectron2's reference/*/detections.json: classes equal, boxes within 0.01 px, scores within 1e-4, masks IoU >= 0.99.
/// </summary>
public sealed class FinalDetectionTests(GoldenModels models) : IClassFixture<GoldenModels>
{
    public static TheoryData<string> Models => new() { Golden.MaskRcnn, Golden.RetinaNet };

    [Theory]
    [MemberData(nameof(Models))]
    public void All_test_images_match_detectron2(string model)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Golden.Path("reference", model, "detections.json")));
        Predictor predictor = models.Get(model);
        double maxBox = 0, maxScore = 0, minIou = 1;
        int images = 0;
        foreach (JsonElement entry in doc.RootElement.GetProperty("images").EnumerateArray())
        {
            string file = entry.GetProperty("file_name").GetString()!;
            RgbImage rgb = ImageDecoder.DecodeFile(Golden.Path("shapes_test", file));
            Instances result = predictor.Run([rgb], TestContext.Current.CancellationToken)[0];
            var (b, s, m) = DetectionMatch.Assert($"{model}/{file}", entry, result);
            maxBox = Math.Max(maxBox, b);
            maxScore = Math.Max(maxScore, s);
            minIou = Math.Min(minIou, m);
            images++;
        }
        Assert.Equal(12, images);
        TestContext.Current.TestOutputHelper?.WriteLine($"{model}: 12 images, max |Δbox| {maxBox:G3} px, max |Δscore| {maxScore:G3}, min mask IoU {minIou:F4}");
    }

    [Fact]
    public void Mixed_size_batch_gives_each_image_its_own_detections()
    {
        // A batch pads every image to the batch maximum (ImageList.from_tensors); the zero padding changes border activations
        // slightly, so the batched results are compared with the single-image results at the final-detection tolerances.
        Predictor predictor = models.Get(Golden.MaskRcnn);
        RgbImage a = ImageDecoder.DecodeFile(Golden.Path("shapes_test", "t10_256x256.png"));
        RgbImage b = ImageDecoder.DecodeFile(Golden.Path("shapes_test", "t07_427x640.png"));
        IReadOnlyList<Instances> batch = predictor.Run([a, b], TestContext.Current.CancellationToken);
        Assert.Equal(2, batch.Count);
        Assert.Equal((256, 256), (batch[0].ImageHeight, batch[0].ImageWidth));
        Assert.Equal((640, 427), (batch[1].ImageHeight, batch[1].ImageWidth));
        Instances single = predictor.Run([b], TestContext.Current.CancellationToken)[0];
        // t07 resizes to 1199 x 800 and pads to 1216 x 800 alone or beside t10 (800 x 800), so its tensor is the same either way.
        Assert.Equal(single.Count, batch[1].Count);
        Assert.Equal(single.Classes, batch[1].Classes);
        for (int i = 0; i < single.Boxes.Length; i++) Assert.True(Math.Abs(single.Boxes[i] - batch[1].Boxes[i]) <= 1e-3, $"box value {i}: {batch[1].Boxes[i]} batched, {single.Boxes[i]} alone");
        Assert.True(batch[0].Count > 0, "the 256 x 256 image lost its detections in the batch");
    }
}
