using Detserve.Vision;

namespace Detserve.Runtime.Tests;

/// <summary>
/// Predictor.RunEncoded on the CPU: host decoding gives exactly Run's results on Vision's decode, and an image that does not decode fails
/// alone, named, while the others run as one batch.
/// </summary>
public sealed class EncodedRunTests(GoldenModels models) : IClassFixture<GoldenModels>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Predictor Small => models.Get(Golden.MaskRcnn, "INPUT.MIN_SIZE_TEST", "120");

    private static EncodedImage GoldenPng(string name) => EncodedImage.ReadFile(Golden.Path("shapes_test", name + ".png"));

    private static EncodedImage FixtureJpeg(string name) => new(name + ".jpg", Fixtures.Jpeg(name));

    [Fact]
    public void CpuDecoding_EqualsVisionDecodeThenRun_OnAMixedBatch()
    {
        // PNGs of the golden set and an EXIF-rotated JPEG (oriented 29x37) in one batch: sizes differ, as in a folder run.
        EncodedImage[] inputs = [GoldenPng("t10_256x256"), GoldenPng("t04_96x64"), FixtureJpeg("rgb_420_exif_6")];
        IReadOnlyList<EncodedImageResult> results = Small.RunEncoded(inputs, JpegDecoding.Cpu, Ct);
        IReadOnlyList<Instances> expected = Small.Run(inputs.Select(i => ImageDecoder.Decode(i.Bytes.Span, i.Name)).ToArray(), Ct);

        Assert.Equal(inputs.Select(i => i.Name), results.Select(r => r.Name));
        Assert.All(results, r => Assert.True(r.Succeeded, r.Error?.Message));
        Assert.Equal((37, 29), (results[2].Instances!.ImageHeight, results[2].Instances!.ImageWidth));
        for (int i = 0; i < inputs.Length; i++) AssertSame(expected[i], results[i].Instances!);
        Assert.True(results[0].Instances!.Count > 0, "t10 gives detections at MIN_SIZE_TEST 120 (stage meta.json: 43)");
    }

    [Fact]
    public void BadBytes_FailAloneNamingTheImage_AndTheOthersRunAsOneBatch()
    {
        byte[] png = File.ReadAllBytes(Golden.Path("shapes_test", "t04_96x64.png"));
        EncodedImage[] inputs =
        [
            GoldenPng("t10_256x256"),
            new("upload-17.jpg", new byte[] { 0xFF, 0xD8, 0x00, 0x01, 0x02 }),
            new("cut.png", png.AsMemory(0, 100)),
            FixtureJpeg("rgb_420_exif_6"),
            new("empty.bmp", ReadOnlyMemory<byte>.Empty),
        ];
        IReadOnlyList<EncodedImageResult> results = Small.RunEncoded(inputs, JpegDecoding.Cpu, Ct);

        Assert.Equal([true, false, false, true, false], results.Select(r => r.Succeeded));
        foreach (int bad in new[] { 1, 2, 4 })
        {
            Assert.Null(results[bad].Instances);
            Assert.StartsWith(inputs[bad].Name + ":", results[bad].Error!.Message, StringComparison.Ordinal);
            Assert.Equal(inputs[bad].Name, results[bad].Error!.SourceName);
        }
        IReadOnlyList<Instances> expected = Small.Run([ImageDecoder.Decode(inputs[0].Bytes.Span, "a"), ImageDecoder.Decode(inputs[3].Bytes.Span, "b")], Ct);
        AssertSame(expected[0], results[0].Instances!);
        AssertSame(expected[1], results[3].Instances!);
    }

    [Fact]
    public void NothingDecodes_GivesOnlyErrors_AndAnEmptyListGivesNothing()
    {
        IReadOnlyList<EncodedImageResult> results = Small.RunEncoded([new EncodedImage("a.png", new byte[] { 1, 2, 3 })], JpegDecoding.Cpu, Ct);
        Assert.False(Assert.Single(results).Succeeded);
        Assert.Empty(Small.RunEncoded([], JpegDecoding.Cpu, Ct));
    }

    [Fact]
    public void GpuDecoding_OnACpuPredictor_IsRefused()
    {
        var e = Assert.Throws<NotSupportedException>(() => Small.RunEncoded([GoldenPng("t10_256x256")], JpegDecoding.Gpu, Ct));
        Assert.Contains("--device cuda", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_OfAMissingFile_NamesIt()
    {
        string path = Path.Combine(Path.GetTempPath(), "detserve-no-such-image-3f1c.jpg");
        var e = Assert.Throws<ImageDecodeException>(() => EncodedImage.ReadFile(path));
        Assert.StartsWith(path + ": cannot read the file", e.Message, StringComparison.Ordinal);
    }

    private static void AssertSame(Instances expected, Instances actual)
    {
        Assert.Equal((expected.ImageHeight, expected.ImageWidth), (actual.ImageHeight, actual.ImageWidth));
        Assert.Equal(expected.Boxes, actual.Boxes);
        Assert.Equal(expected.Scores, actual.Scores);
        Assert.Equal(expected.Classes, actual.Classes);
        Assert.Equal(expected.MaskProbabilities, actual.MaskProbabilities);
    }
}
