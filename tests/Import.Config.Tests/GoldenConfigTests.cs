namespace Detserve.Import.Config.Tests;

/// <summary>
/// Acceptance: every <c>cfg.dump()</c> that Detectron2 wrote in ../shared/golden/config-dumps equals, as a tree,
/// <see cref="ConfigLoader.LoadFile(string, IReadOnlyList{string}?)"/> of the same zoo config; and every zoo config resolves.
/// </summary>
public sealed class GoldenConfigTests
{
    public static TheoryData<string> Dumps()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(GoldenPaths.ConfigDumps, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(GoldenPaths.ConfigDumps, file));
        }

        return data;
    }

    public static TheoryData<string> ZooConfigs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(GoldenPaths.ZooConfigs, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(GoldenPaths.ZooConfigs, file));
        }

        return data;
    }

    /// <summary>The folder holds 62 files: 61 YAML dumps and failures.txt, which is empty (Detectron2 merged every config).</summary>
    [Fact]
    public void GoldenFolders_HoldTheExpectedCounts()
    {
        Assert.Equal(61, Dumps().Count);
        Assert.Equal(92, ZooConfigs().Count);
        Assert.Equal(string.Empty, File.ReadAllText(Path.Combine(GoldenPaths.ConfigDumps, "failures.txt")).Trim());
    }

    [Theory]
    [MemberData(nameof(Dumps))]
    public void LoadFile_ZooConfig_EqualsDetectron2Dump(string relativePath)
    {
        var resolved = ConfigLoader.LoadFile(Path.Combine(GoldenPaths.ZooConfigs, relativePath));
        var dump = YamlTreeReader.ReadFile(Path.Combine(GoldenPaths.ConfigDumps, relativePath), YamlLimits.Default);
        TreeComparer.AssertEqual(dump, resolved, compareTupleness: false, relativePath);
    }

    [Theory]
    [MemberData(nameof(ZooConfigs))]
    public void LoadFile_EveryZooConfig_Resolves(string relativePath)
    {
        var cfg = ConfigLoader.LoadFile(Path.Combine(GoldenPaths.ZooConfigs, relativePath));
        Assert.Equal(2L, cfg.GetLong("VERSION"));
        Assert.Equal(ConfigLoader.Defaults().Keys.Order(StringComparer.Ordinal), cfg.Keys.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The two fixture models' configs (../shared/golden/configs, README "configs/"): their zoo config plus exactly the
    /// narrow overrides the README lists, with the shipped inference settings it names.
    /// </summary>
    [Theory]
    [InlineData("COCO-InstanceSegmentation/mask_rcnn_R_50_FPN_narrow.yaml", "COCO-InstanceSegmentation/mask_rcnn_R_50_FPN_3x.yaml", new[] { "MODEL.ROI_HEADS.NUM_CLASSES", "3", "MODEL.ROI_BOX_HEAD.FC_DIM", "256", "MODEL.ROI_MASK_HEAD.CONV_DIM", "64" })]
    [InlineData("COCO-Detection/retinanet_R_50_FPN_narrow.yaml", "COCO-Detection/retinanet_R_50_FPN_3x.yaml", new[] { "MODEL.RETINANET.NUM_CLASSES", "3" })]
    public void NarrowFixtureConfigs_AreTheirZooConfigPlusTheReadmeOverrides(string narrow, string zoo, string[] headOverrides)
    {
        var configs = Path.Combine(GoldenPaths.Root, "configs");
        var cfg = ConfigLoader.LoadFile(Path.Combine(configs, narrow));
        string[] common =
        [
            "MODEL.WEIGHTS", "", "MODEL.RESNETS.DEPTH", "50", "MODEL.RESNETS.NORM", "FrozenBN", "MODEL.RESNETS.STEM_OUT_CHANNELS", "16",
            "MODEL.RESNETS.RES2_OUT_CHANNELS", "64", "MODEL.RESNETS.WIDTH_PER_GROUP", "16", "MODEL.FPN.OUT_CHANNELS", "64",
            "DATASETS.TRAIN", "('refkit_shapes_train',)", "DATASETS.TEST", "('refkit_shapes_test',)",
        ];
        var expected = ConfigLoader.LoadFile(Path.Combine(configs, zoo), [.. common, .. headOverrides]);
        TreeComparer.AssertEqual(expected, cfg, compareTupleness: true, narrow);
        Assert.Equal("BGR", cfg.GetString("INPUT.FORMAT"));
        Assert.Equal(800, cfg.GetInt("INPUT.MIN_SIZE_TEST"));
        Assert.Equal(1333, cfg.GetInt("INPUT.MAX_SIZE_TEST"));
        Assert.Equal([103.53, 116.28, 123.675], cfg.GetDoubleList("MODEL.PIXEL_MEAN"));
        Assert.Equal([1.0, 1.0, 1.0], cfg.GetDoubleList("MODEL.PIXEL_STD"));
        Assert.True(cfg.GetBool("MODEL.RESNETS.STRIDE_IN_1X1"));
    }
}
