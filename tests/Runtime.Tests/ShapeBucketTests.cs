using Detserve.Import.Model;
using Detserve.Vision;

namespace Detserve.Runtime.Tests;

/// <summary>
/// Shape buckets: a batch is padded up to the smallest bucket that holds it, which is exactly what Detectron2 does to an image batched
/// beside a larger one (ImageList.from_tensors pads to the batch max), so a bucketed run equals that batched run.
/// </summary>
public sealed class ShapeBucketTests(GoldenModels models) : IClassFixture<GoldenModels>
{
    private static RgbImage Image(string name) => ImageDecoder.DecodeFile(Golden.Path("shapes_test", name + ".png"));

    [Fact]
    public void Buckets_are_rounded_sorted_and_chosen_smallest_first()
    {
        var b = ShapeBuckets.Parse("1344x1344, 800x1333,800x1344");
        Assert.Equal([(800, 1344), (1344, 1344)], b.Sizes);
        Assert.Equal("800x1344,1344x1344", b.ToString());
        Assert.Equal((800, 1344), b.PaddedSize(800, 1088));
        Assert.Equal((1344, 1344), b.PaddedSize(832, 1088));
        Assert.Equal((1376, 1024), b.PaddedSize(1376, 1024));
        Assert.Equal((100, 100), new ShapeBuckets([(100, 100)], sizeDivisibility: 1).PaddedSize(64, 99));
        Assert.Contains("'800'", Assert.Throws<FormatException>(() => ShapeBuckets.Parse("800,1344x1344")).Message, StringComparison.Ordinal);
        Assert.Contains("'0x5'", Assert.Throws<FormatException>(() => ShapeBuckets.Parse("0x5")).Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => ShapeBuckets.Parse(" , "));
    }

    [Theory]
    [InlineData(Golden.MaskRcnn)]
    [InlineData(Golden.RetinaNet)]
    public void A_bucketed_run_equals_the_image_batched_beside_one_of_the_bucket_size(string model)
    {
        string[] opts = ["INPUT.MIN_SIZE_TEST", "160"];
        Predictor plain = models.Get(model, opts);
        RgbImage small = Image("t04_96x64"), large = Image("t07_427x640");
        static (int H, int W) Padded((int H, int W) s) => ((s.H + 31) / 32 * 32, (s.W + 31) / 32 * 32);
        (int H, int W) own = Padded(ImagePreprocessor.ResizedSize(small, plain.Model.Architecture.Input));
        (int H, int W) other = Padded(ImagePreprocessor.ResizedSize(large, plain.Model.Architecture.Input));
        (int H, int W) batchMax = (Math.Max(own.H, other.H), Math.Max(own.W, other.W));
        Assert.NotEqual(own, batchMax);
        Instances besideLarge = plain.Run([small, large], TestContext.Current.CancellationToken)[0];
        ModelSpec spec = ModelLoader.Load(Golden.ConfigOf(model), Golden.WeightsOf(model), opts);
        using var bucketed = Predictor.Create(spec, new PredictorOptions(ShapeBuckets: new ShapeBuckets([batchMax])));
        Instances alone = bucketed.Run([small], TestContext.Current.CancellationToken)[0];
        // Equal up to float summation order: the CPU convolutions block a batch of two differently from a batch of one.
        Assert.True(alone.Count > 0);
        Assert.Equal(besideLarge.Classes, alone.Classes);
        for (int i = 0; i < alone.Boxes.Length; i++) Assert.True(Math.Abs(besideLarge.Boxes[i] - alone.Boxes[i]) < 1e-3, $"box value {i}: {besideLarge.Boxes[i]} vs {alone.Boxes[i]}");
        for (int i = 0; i < alone.Count; i++) Assert.True(Math.Abs(besideLarge.Scores[i] - alone.Scores[i]) < 1e-5, $"score {i}: {besideLarge.Scores[i]} vs {alone.Scores[i]}");

        // A bucket equal to the image's own padded size changes nothing.
        using var exact = Predictor.Create(spec, new PredictorOptions(ShapeBuckets: new ShapeBuckets([own, (own.H + 320, own.W + 320)])));
        Instances unbucketed = plain.Run([small], TestContext.Current.CancellationToken)[0];
        Assert.Equal(unbucketed.Scores, exact.Run([small], TestContext.Current.CancellationToken)[0].Scores);
        // ... while the larger bucket did pad more (the zero border moved, so the numbers moved).
        Assert.NotEqual(unbucketed.Scores, alone.Scores);
    }
}
