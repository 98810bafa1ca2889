using System.Buffers.Binary;
using System.Text;
using Detserve.Import.Model;
using Detserve.Runtime.Engine;
using Detserve.Vision;

namespace Detserve.Runtime.Tests;

/// <summary>
/// The .engine file: a model written once and read back runs exactly as the model built from config + weights, and every kind of
/// damage (wrong magic, newer format, truncation, a flipped bit in the JSON or in a tensor) is refused with the file and the part named.
/// </summary>
public sealed class EngineFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("detserve-engine-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static RgbImage Image(string name) => ImageDecoder.DecodeFile(Golden.Path("shapes_test", name + ".png"));

    private string Build(string model, string precision = "fp32", int maxBatch = 8, ShapeBuckets? buckets = null, params string[] opts)
    {
        ModelSpec spec = ModelLoader.Load(Golden.ConfigOf(model), Golden.WeightsOf(model), opts);
        string path = Path.Combine(_dir, model + ".engine");
        var source = new EngineSource(spec.ConfigPath, spec.WeightsPath!, EngineBuilder.Sha256Of(spec.WeightsPath!), opts);
        EngineBuilder.Build(spec.Config, spec.Weights, source, precision, maxBatch, path, shapeBuckets: buckets);
        return path;
    }

    [Theory]
    [InlineData(Golden.MaskRcnn)]
    [InlineData(Golden.RetinaNet)]
    public void An_engine_runs_exactly_as_the_config_and_weights_it_was_built_from(string model)
    {
        string path = Build(model);
        string[] opts = ["INPUT.MIN_SIZE_TEST", "120"];
        using var fromFiles = Predictor.Create(ModelLoader.Load(Golden.ConfigOf(model), Golden.WeightsOf(model), opts), new PredictorOptions(Threads: 0));
        LoadedEngine engine = EngineFile.Load(path, opts);
        using var fromEngine = Predictor.Create(engine.Model, new PredictorOptions(Threads: 0));
        RgbImage[] images = [Image("t10_256x256"), Image("t04_96x64"), Image("t03_500x300")];
        IReadOnlyList<Instances> expected = fromFiles.Run(images, TestContext.Current.CancellationToken);
        IReadOnlyList<Instances> actual = fromEngine.Run(images, TestContext.Current.CancellationToken);
        int total = SameInstances.Assert(expected, actual);
        Assert.True(total > 0, "the golden images must give detections for the comparison to mean something");
    }

    [Fact]
    public void The_metadata_records_the_build()
    {
        string path = Build(Golden.MaskRcnn, maxBatch: 4, buckets: ShapeBuckets.Parse("1344x1344,800x1333"), opts: ["MODEL.ROI_HEADS.SCORE_THRESH_TEST", "0.3"]);
        EngineInfo info = EngineFile.ReadInfo(path);
        Assert.Equal("800x1344,1344x1344", info.ShapeBuckets);
        Assert.Null(EngineFile.ReadInfo(Build(Golden.RetinaNet)).ShapeBuckets);
        Assert.Equal(EngineFile.FormatVersion, info.FormatVersion);
        Assert.Equal("fp32", info.Precision);
        Assert.Equal(4, info.MaxBatch);
        Assert.Equal("GeneralizedRCNN", info.MetaArchitecture);
        Assert.True(info.MaskOn);
        Assert.Equal(EngineBuilder.Sha256Of(Golden.WeightsOf(Golden.MaskRcnn)), info.Source.WeightsSha256);
        Assert.Equal(["MODEL.ROI_HEADS.SCORE_THRESH_TEST", "0.3"], info.Source.Overrides);
        Assert.True(info.TensorCount > 50);
        LoadedEngine engine = EngineFile.Load(path);
        // Build-time overrides are part of the embedded config.
        Assert.Equal(0.3, engine.Config.GetDouble("MODEL.ROI_HEADS.SCORE_THRESH_TEST"), 6);
        Assert.Equal(0.3, engine.Model.Architecture.RoiHeads!.ScoreThreshTest, 6);
    }

    [Fact]
    public void Test_time_overrides_apply_and_build_time_keys_are_refused_by_name()
    {
        string path = Build(Golden.MaskRcnn);
        LoadedEngine engine = EngineFile.Load(path, ["MODEL.ROI_HEADS.SCORE_THRESH_TEST", "0.9", "INPUT.MIN_SIZE_TEST", "200", "TEST.DETECTIONS_PER_IMAGE", "7"]);
        Assert.Equal(0.9, engine.Model.Architecture.RoiHeads!.ScoreThreshTest, 6);
        Assert.Equal(200, engine.Model.Architecture.Input.MinSizeTest);
        Assert.Equal(7, engine.Model.Architecture.RoiHeads!.DetectionsPerImage);

        var e = Assert.Throws<EngineException>(() => EngineFile.Load(path, ["MODEL.RESNETS.DEPTH", "101"]));
        Assert.Contains("MODEL.RESNETS.DEPTH", e.Message, StringComparison.Ordinal);
        Assert.Contains("detserve build", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("MODEL.WEIGHTS", Assert.Throws<EngineException>(() => EngineFile.Load(path, ["MODEL.WEIGHTS", "x.pkl"])).Message, StringComparison.Ordinal);
        Assert.Contains("INPUT.FORMAT", Assert.Throws<EngineException>(() => EngineFile.Load(path, ["INPUT.FORMAT", "RGB"])).Message, StringComparison.Ordinal);
        Assert.Contains("pairs", Assert.Throws<EngineException>(() => EngineFile.Load(path, ["INPUT.MIN_SIZE_TEST"])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_predictor_refuses_batches_above_the_engine_max_batch()
    {
        string path = Build(Golden.MaskRcnn, maxBatch: 1);
        LoadedEngine engine = EngineFile.Load(path, ["INPUT.MIN_SIZE_TEST", "120"]);
        using var p = Predictor.Create(engine.Model, new PredictorOptions(MaxBatch: engine.Info.MaxBatch));
        RgbImage img = Image("t04_96x64");
        Assert.Single(p.Run([img], TestContext.Current.CancellationToken));
        var e = Assert.Throws<ArgumentException>(() => p.Run([img, img], TestContext.Current.CancellationToken));
        Assert.Contains("max batch 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Damaged_files_are_refused_with_the_part_named()
    {
        string good = Build(Golden.RetinaNet);
        byte[] bytes = File.ReadAllBytes(good);

        string Variant(string name, Action<byte[]> damage, int? length = null)
        {
            byte[] copy = bytes[..(length ?? bytes.Length)];
            damage(copy);
            string p = Path.Combine(_dir, name);
            File.WriteAllBytes(p, copy);
            return p;
        }

        string notEngine = Variant("not.engine", b => Encoding.ASCII.GetBytes("PK\x03\x04zip!").CopyTo(b, 0));
        Assert.Contains("not a Detserve engine", Assert.Throws<EngineException>(() => EngineFile.Load(notEngine)).Message, StringComparison.Ordinal);

        string newer = Variant("newer.engine", b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), EngineFile.FormatVersion + 1));
        var e = Assert.Throws<EngineException>(() => EngineFile.ReadInfo(newer));
        Assert.Contains("newer Detserve", e.Message, StringComparison.Ordinal);
        Assert.Contains(newer, e.Message, StringComparison.Ordinal);

        string truncated = Variant("truncated.engine", _ => { }, bytes.Length - 1000);
        Assert.Contains("truncated", Assert.Throws<EngineException>(() => EngineFile.Load(truncated)).Message, StringComparison.Ordinal);
        string headerOnly = Variant("header.engine", _ => { }, 40);
        Assert.Contains("truncated", Assert.Throws<EngineException>(() => EngineFile.Load(headerOnly)).Message, StringComparison.Ordinal);

        string badJson = Variant("json.engine", b => b[100] ^= 0x20);
        Assert.Contains("JSON does not match its SHA-256", Assert.Throws<EngineException>(() => EngineFile.Load(badJson)).Message, StringComparison.Ordinal);

        // A flipped bit in the last tensor's data: its name is in the message.
        string badTensor = Variant("tensor.engine", b => b[^3] ^= 0x01);
        e = Assert.Throws<EngineException>(() => EngineFile.Load(badTensor));
        Assert.Contains("does not match its SHA-256", e.Message, StringComparison.Ordinal);
        Assert.Contains("tensor '", e.Message, StringComparison.Ordinal);

        Assert.Contains("cannot open", Assert.Throws<EngineException>(() => EngineFile.Load(Path.Combine(_dir, "missing.engine"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Writing_replaces_the_file_whole_and_leaves_no_temporary()
    {
        string path = Build(Golden.RetinaNet);
        long first = new FileInfo(path).Length;
        path = Build(Golden.RetinaNet, maxBatch: 2);
        Assert.Equal(first, new FileInfo(path).Length);
        Assert.Equal(2, EngineFile.ReadInfo(path).MaxBatch);
        Assert.Single(Directory.GetFiles(_dir));
        Assert.Contains("does not exist", Assert.Throws<EngineException>(() =>
            EngineFile.Write(Path.Combine(_dir, "no", "such", "dir.engine"), EngineFile.Load(path).Config, EngineFile.Load(path).Model, "fp32", 1,
                new EngineSource("c", "w", null, []))).Message, StringComparison.Ordinal);
    }
}
