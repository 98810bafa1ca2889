namespace Detserve.Import.Config.Tests;

/// <summary>
/// merge_from_file / merge_from_list semantics on crafted files: _BASE_ chains, fvcore's dict merge, yacs' key and
/// type checks, Detectron2's VERSION handling, and the errors each one raises.
/// </summary>
public sealed class ConfigLoaderTests
{
    [Fact]
    public void LoadFile_MissingFile_NamesIt()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile("/nonexistent/dir/cfg.yaml"));
        Assert.Contains("Config file '/nonexistent/dir/cfg.yaml' does not exist!", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BaseChain_RelativeToIncludingFile_ChildWinsAndBaseKeysKept()
    {
        using var dir = new TempConfigDir();
        dir.Write("Base.yaml", "MODEL:\n  MASK_ON: True\n  DEVICE: cpu\nSOLVER:\n  MAX_ITER: 10\nVERSION: 2\n");
        dir.Write("sub/mid.yaml", "_BASE_: ../Base.yaml\nSOLVER:\n  MAX_ITER: 20\n  BASE_LR: 0.5\n");
        var leaf = dir.Write("sub/deeper/leaf.yaml", "_BASE_: \"../mid.yaml\"\nMODEL:\n  DEVICE: cuda:1\n");
        var cfg = ConfigLoader.LoadFile(leaf);
        Assert.True(cfg.GetBool("MODEL.MASK_ON"));
        Assert.Equal("cuda:1", cfg.GetString("MODEL.DEVICE"));
        Assert.Equal(20L, cfg.GetLong("SOLVER.MAX_ITER"));
        Assert.Equal(0.5, cfg.GetDouble("SOLVER.BASE_LR"));
        Assert.Equal(0.9, cfg.GetDouble("SOLVER.MOMENTUM"));
    }

    [Fact]
    public void GetOrigin_NamesTheFileAndLineThatSetAValue()
    {
        using var dir = new TempConfigDir();
        var basePath = dir.Write("base.yaml", "SOLVER:\n  MAX_ITER: 1\n  GAMMA: 0.5\n");
        var top = dir.Write("top.yaml", "_BASE_: base.yaml\nSOLVER:\n  MAX_ITER: 2\n");
        var cfg = ConfigLoader.LoadFile(top, ["SOLVER.BASE_LR", "0.1"]);
        Assert.Equal(new SourceLocation(top, 3), cfg.GetOrigin("SOLVER.MAX_ITER"));
        Assert.Equal(new SourceLocation(basePath, 3), cfg.GetOrigin("SOLVER.GAMMA"));
        Assert.Null(cfg.GetOrigin("SOLVER.MOMENTUM"));
        Assert.Null(cfg.GetOrigin("SOLVER.BASE_LR"));
        Assert.Null(cfg.GetOrigin("SOLVER.NOPE"));
    }

    [Fact]
    public void BaseList_MergedLeftToRight_ThenTheFileItself()
    {
        using var dir = new TempConfigDir();
        dir.Write("a.yaml", "SOLVER:\n  MAX_ITER: 1\n  BASE_LR: 0.1\n");
        dir.Write("b.yaml", "SOLVER:\n  MAX_ITER: 2\n");
        var top = dir.Write("top.yaml", "_BASE_: [a.yaml, b.yaml]\nSOLVER:\n  GAMMA: 0.5\n");
        var cfg = ConfigLoader.LoadFile(top);
        Assert.Equal(2L, cfg.GetLong("SOLVER.MAX_ITER"));
        Assert.Equal(0.1, cfg.GetDouble("SOLVER.BASE_LR"));
        Assert.Equal(0.5, cfg.GetDouble("SOLVER.GAMMA"));
    }

    [Fact]
    public void BaseCycle_IsReportedWithTheFilesThatFormIt()
    {
        using var dir = new TempConfigDir();
        var a = dir.Write("a.yaml", "_BASE_: b.yaml\n");
        var b = dir.Write("b.yaml", "_BASE_: c/../a.yaml\n");
        Directory.CreateDirectory(Path.Combine(dir.Root, "c"));
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(a));
        Assert.Contains("_BASE_ cycle", e.Message, StringComparison.Ordinal);
        Assert.Contains($"{a} -> {b} -> {a}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BaseSelfCycle_IsReported()
    {
        using var dir = new TempConfigDir();
        var a = dir.Write("self.yaml", "_BASE_: ./self.yaml\n");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(a));
        Assert.Contains($"_BASE_ cycle: {a} -> {a}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingBase_NamesTheIncluderAndLine()
    {
        using var dir = new TempConfigDir();
        var top = dir.Write("top.yaml", "# comment\n_BASE_: nothere.yaml\n");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(top));
        Assert.Contains($"{top} line 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("'nothere.yaml'", e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("_BASE_: 3\n", "_BASE_ must be a file name")]
    [InlineData("_BASE_: https://example.com/x.yaml\n", "URL")]
    [InlineData("", "empty")]
    [InlineData("- a\n- b\n", "must be a mapping")]
    [InlineData("MODEL:\n  FOO: 1\n", "Non-existent config key: MODEL.FOO (set in")]
    [InlineData("MODEL:\n  _BASE_: x.yaml\n", "Non-existent config key: MODEL._BASE_")]
    [InlineData("DATALOADER:\n  REPEAT_THRESHOLD: 0\n", "Type mismatch (float vs. int) with values (0.0 vs. 0) for config key: DATALOADER.REPEAT_THRESHOLD")]
    [InlineData("INPUT:\n  MIN_SIZE_TEST: 800.0\n", "Type mismatch (int vs. float)")]
    [InlineData("MODEL:\n  DEVICE: \"123\"\n", "Type mismatch (str vs. int)")]
    [InlineData("MODEL:\n  MASK_ON: 1\n", "Type mismatch (bool vs. int)")]
    [InlineData("MODEL: 3\n", "Type mismatch (CfgNode vs. int)")]
    [InlineData("MODEL:\n  DEVICE:\n    X: 1\n", "Type mismatch (str vs. CfgNode)")]
    [InlineData("MODEL:\n  PIXEL_MEAN: \"{1: 2}\"\n", "Type mismatch (list vs. dict)")]
    [InlineData("VERSION: 3\n", "Cannot merge a v3 config into a v2 config.")]
    [InlineData("VERSION: two\n", "VERSION must be an int")]
    public void BadFile_IsRefusedWithYacsOrFvcoreError(string text, string expectedInMessage)
    {
        using var dir = new TempConfigDir();
        var path = dir.Write("bad.yaml", text);
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path));
        Assert.Contains(expectedInMessage, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownKey_NamesKeyFileAndLine()
    {
        using var dir = new TempConfigDir();
        var path = dir.Write("bad.yaml", "MODEL:\n  RPN:\n    NMS_THRESH: 0.6\n    NMS_THRESHOLD: 0.6\n");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path));
        Assert.Equal($"Non-existent config key: MODEL.RPN.NMS_THRESHOLD (set in {path} line 4)", e.Message);
    }

    [Fact]
    public void CannotInheritKey_WhenChildMappingMeetsBaseLeaf()
    {
        using var dir = new TempConfigDir();
        dir.Write("base.yaml", "MODEL:\n  DEVICE: cpu\n");
        var top = dir.Write("top.yaml", "_BASE_: base.yaml\nMODEL:\n  DEVICE:\n    X: 1\n");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(top));
        Assert.Contains("Cannot inherit key 'DEVICE' from base!", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void YamlStrings_AreDecodedAsPythonLiterals_AndListTupleCoerced()
    {
        using var dir = new TempConfigDir();
        var path = dir.Write(
            "cfg.yaml",
            "SOLVER:\n  BASE_LR: 1e-4\n  STEPS: [100, 200]\n  WEIGHT_DECAY_BIAS: 0.0\nINPUT:\n  MIN_SIZE_TEST: \"640\"\n  MIN_SIZE_TRAIN: (640, 672)\nMODEL:\n  PIXEL_MEAN: (1.0, 2.0, 3.0)\n  WEIGHTS: null\nDATASETS:\n  TRAIN: (\"coco_2017_train\",)\n");
        var cfg = ConfigLoader.LoadFile(path);
        Assert.Equal(1e-4, Assert.IsType<double>(cfg.GetValue("SOLVER.BASE_LR")));
        var steps = Assert.IsType<CfgList>(cfg.GetValue("SOLVER.STEPS"));
        Assert.True(steps.IsTuple);
        Assert.Equal([100, 200], cfg.GetIntList("SOLVER.STEPS"));
        Assert.Equal(0.0, cfg.GetDouble("SOLVER.WEIGHT_DECAY_BIAS"));
        Assert.Equal(640L, Assert.IsType<long>(cfg.GetValue("INPUT.MIN_SIZE_TEST")));
        Assert.True(Assert.IsType<CfgList>(cfg.GetValue("INPUT.MIN_SIZE_TRAIN")).IsTuple);
        var mean = Assert.IsType<CfgList>(cfg.GetValue("MODEL.PIXEL_MEAN"));
        Assert.False(mean.IsTuple);
        Assert.Equal([1.0, 2.0, 3.0], cfg.GetDoubleList("MODEL.PIXEL_MEAN"));
        Assert.True(cfg.Contains("MODEL.WEIGHTS"));
        Assert.Null(cfg.GetValue("MODEL.WEIGHTS"));
        Assert.Equal(["coco_2017_train"], cfg.GetStringList("DATASETS.TRAIN"));
    }

    [Fact]
    public void VersionlessFileWithModelWeight_IsUpgradedFromV1()
    {
        using var dir = new TempConfigDir();
        var path = dir.Write("old.yaml", "MODEL:\n  WEIGHT: w.pkl\n  RPN:\n    ANCHOR_SIZES: [[16, 32]]\nTEST:\n  AUG_ON: True\n  DETECTIONS_PER_IMG: 50\n");
        var cfg = ConfigLoader.LoadFile(path);
        var expected = ConfigLoader.ApplyOverrides(
            ConfigLoader.Defaults(),
            ["MODEL.WEIGHTS", "w.pkl", "MODEL.ANCHOR_GENERATOR.SIZES", "[[16, 32]]", "TEST.AUG.ENABLED", "True", "TEST.DETECTIONS_PER_IMAGE", "50"]);
        TreeComparer.AssertEqual(expected, cfg, compareTupleness: true, "v1 upgrade");
    }

    [Fact]
    public void V1RetinaNetFile_MovesRetinaNetAnchorsToAnchorGenerator()
    {
        using var dir = new TempConfigDir();
        var path = dir.Write("old.yaml", "VERSION: 1\nMODEL:\n  META_ARCHITECTURE: RetinaNet\n  RETINANET:\n    ANCHOR_ASPECT_RATIOS: [[1.0]]\n    INFERENCE_SCORE_THRESHOLD: 0.3\n");
        var cfg = ConfigLoader.LoadFile(path);
        Assert.Equal([[1.0]], cfg.GetDoubleListList("MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS"));
        Assert.Equal(0.3, cfg.GetDouble("MODEL.RETINANET.SCORE_THRESH_TEST"));
        Assert.False(cfg.Contains("MODEL.RETINANET.ANCHOR_SIZES"));
        Assert.False(cfg.Contains("MODEL.RPN.ANCHOR_SIZES"));
        Assert.Equal(2L, cfg.GetLong("VERSION"));
        Assert.Equal(ConfigLoader.Defaults().Keys.Order(StringComparer.Ordinal), cfg.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void V0File_RenamesRpnHeadName()
    {
        using var dir = new TempConfigDir();
        var path = dir.Write("v0.yaml", "VERSION: 0\nMODEL:\n  RPN_HEAD:\n    NAME: MyHead\n");
        var cfg = ConfigLoader.LoadFile(path);
        Assert.Equal("MyHead", cfg.GetString("MODEL.RPN.HEAD_NAME"));
        Assert.False(cfg.Contains("MODEL.RPN_HEAD"));
    }

    [Fact]
    public void Overrides_ParseLikeDetectron2Opts()
    {
        var cfg = ConfigLoader.LoadFile(
            Path.Combine(GoldenPaths.ZooConfigs, "COCO-InstanceSegmentation", "mask_rcnn_R_50_FPN_3x.yaml"),
            ["MODEL.ROI_HEADS.SCORE_THRESH_TEST", "0.7", "MODEL.DEVICE", "cpu", "INPUT.MIN_SIZE_TRAIN", "[640]", "MODEL.WEIGHTS", "models/model_final.pkl", "SOLVER.WEIGHT_DECAY_BIAS", "'x'"]);
        Assert.Equal(0.7, cfg.GetDouble("MODEL.ROI_HEADS.SCORE_THRESH_TEST"));
        Assert.Equal("cpu", cfg.GetString("MODEL.DEVICE"));
        Assert.True(Assert.IsType<CfgList>(cfg.GetValue("INPUT.MIN_SIZE_TRAIN")).IsTuple);
        Assert.Equal("models/model_final.pkl", cfg.GetString("MODEL.WEIGHTS"));
        Assert.Equal("x", cfg.GetString("SOLVER.WEIGHT_DECAY_BIAS"));
    }

    [Theory]
    [InlineData(new[] { "MODEL.DEVICE" }, "Override list has odd length")]
    [InlineData(new[] { "_BASE_", "x.yaml" }, "The reserved key '_BASE_' can only be used in files!")]
    [InlineData(new[] { "MODEL.NOPE", "1" }, "Non-existent key: MODEL.NOPE")]
    [InlineData(new[] { "MODEL.DEVICE.X", "1" }, "Non-existent key: MODEL.DEVICE.X")]
    [InlineData(new[] { "MODEL.ROI_HEADS.NUM_CLASSES", "3.0" }, "Type mismatch (int vs. float) with values (80 vs. 3.0) for config key: MODEL.ROI_HEADS.NUM_CLASSES")]
    [InlineData(new[] { "MODEL.MASK_ON", "1" }, "Type mismatch (bool vs. int)")]
    [InlineData(new[] { "MODEL.RPN", "None" }, "Type mismatch (CfgNode vs. NoneType)")]
    public void BadOverrides_AreRefused(string[] opts, string expectedInMessage)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.ApplyOverrides(ConfigLoader.Defaults(), opts));
        Assert.Contains(expectedInMessage, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplyOverrides_LeavesTheInputUntouched()
    {
        var defaults = ConfigLoader.Defaults();
        var changed = ConfigLoader.ApplyOverrides(defaults, ["MODEL.ROI_HEADS.NUM_CLASSES", "3"]);
        Assert.Equal(80, defaults.GetInt("MODEL.ROI_HEADS.NUM_CLASSES"));
        Assert.Equal(3, changed.GetInt("MODEL.ROI_HEADS.NUM_CLASSES"));
    }

    [Fact]
    public void Getters_NameTheKeyOnMissingOrWrongType()
    {
        var cfg = ConfigLoader.Defaults();
        Assert.Contains("MODEL.NOPE", Assert.Throws<ConfigException>(() => cfg.GetInt("MODEL.NOPE")).Message, StringComparison.Ordinal);
        Assert.Contains("MODEL.DEVICE is str 'cuda', expected an int", Assert.Throws<ConfigException>(() => cfg.GetInt("MODEL.DEVICE")).Message, StringComparison.Ordinal);
        Assert.Contains("MODEL.PIXEL_MEAN", Assert.Throws<ConfigException>(() => cfg.GetIntList("MODEL.PIXEL_MEAN")).Message, StringComparison.Ordinal);
        Assert.Equal(1000.0, cfg.GetDouble("MODEL.RPN.POST_NMS_TOPK_TEST"));
        Assert.Equal([[32.0, 64.0, 128.0, 256.0, 512.0]], cfg.GetDoubleListList("MODEL.ANCHOR_GENERATOR.SIZES"));
        Assert.IsType<CfgNode>(cfg.GetValue("MODEL.RPN"));
    }
}
