namespace Detserve.Import.Config.Tests;

/// <summary>The defaults table mirrors detectron2/config/defaults.py, Python types included (tuples vs lists).</summary>
public sealed class DefaultConfigTests
{
    /// <summary>The keys defaults.py assigns a tuple (everything else that is a sequence is a list).</summary>
    private static readonly string[] TupleKeys =
    [
        "MODEL.RPN.BBOX_REG_WEIGHTS", "MODEL.ROI_BOX_HEAD.BBOX_REG_WEIGHTS", "MODEL.ROI_BOX_CASCADE_HEAD.BBOX_REG_WEIGHTS",
        "MODEL.ROI_BOX_CASCADE_HEAD.IOUS", "MODEL.ROI_KEYPOINT_HEAD.CONV_DIMS", "MODEL.RETINANET.BBOX_REG_WEIGHTS",
        "INPUT.MIN_SIZE_TRAIN", "DATASETS.TRAIN", "DATASETS.PROPOSAL_FILES_TRAIN", "DATASETS.TEST",
        "DATASETS.PROPOSAL_FILES_TEST", "SOLVER.STEPS", "TEST.AUG.MIN_SIZES",
    ];

    private static IEnumerable<(string Key, object? Value)> Leaves(CfgNode node, string prefix = "")
    {
        foreach (var key in node.Keys)
        {
            var value = node.GetValue(key);
            if (value is CfgNode child)
            {
                foreach (var leaf in Leaves(child, prefix + key + "."))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return (prefix + key, value);
            }
        }
    }

    [Fact]
    public void Defaults_Have192Leaves_AndExactlyTheTuplesOfDefaultsPy()
    {
        var leaves = Leaves(ConfigLoader.Defaults()).ToList();
        Assert.Equal(192, leaves.Count);
        var tuples = leaves.Where(l => l.Value is CfgList { IsTuple: true }).Select(l => l.Key).Order(StringComparer.Ordinal);
        Assert.Equal(TupleKeys.Order(StringComparer.Ordinal), tuples);
    }

    [Fact]
    public void Defaults_KeepPythonTypes()
    {
        var cfg = ConfigLoader.Defaults();
        Assert.Equal(2L, Assert.IsType<long>(cfg.GetValue("VERSION")));
        Assert.Equal(0.001, Assert.IsType<double>(cfg.GetValue("SOLVER.WARMUP_FACTOR")));
        Assert.Equal(0.0, Assert.IsType<double>(cfg.GetValue("DATALOADER.REPEAT_THRESHOLD")));
        Assert.Null(cfg.GetValue("SOLVER.WEIGHT_DECAY_BIAS"));
        Assert.Equal(Enumerable.Repeat(512, 8), cfg.GetIntList("MODEL.ROI_KEYPOINT_HEAD.CONV_DIMS"));
        Assert.Equal([103.53, 116.28, 123.675], cfg.GetDoubleList("MODEL.PIXEL_MEAN"));
        Assert.Equal([-90L, 0L, 90L], (CfgList)((CfgList)cfg.GetValue("MODEL.ANCHOR_GENERATOR.ANGLES")!)[0]!);
        Assert.Equal(["ENABLED", "TYPE", "SIZE"], ((CfgNode)cfg.GetValue("INPUT.CROP")!).Keys);
        Assert.Equal("", cfg.GetString("FLOAT32_PRECISION"));
        Assert.Equal(1.0, cfg.GetDouble("GLOBAL.HACK"));
    }

    [Fact]
    public void Defaults_AreAFreshCopyEachCall()
    {
        var a = ConfigLoader.Defaults();
        var b = ConfigLoader.Defaults();
        Assert.NotSame(a, b);
        Assert.NotSame(a.GetValue("MODEL"), b.GetValue("MODEL"));
    }

    [Fact]
    public void Clone_IsDeepAndEqual()
    {
        var a = ConfigLoader.Defaults();
        var c = a.Clone();
        TreeComparer.AssertEqual(a, c, compareTupleness: true, "clone");
        var changed = ConfigLoader.ApplyOverrides(c, ["MODEL.RPN.NMS_THRESH", "0.1"]);
        Assert.Equal(0.7, c.GetDouble("MODEL.RPN.NMS_THRESH"));
        Assert.Equal(0.1, changed.GetDouble("MODEL.RPN.NMS_THRESH"));
    }
}
