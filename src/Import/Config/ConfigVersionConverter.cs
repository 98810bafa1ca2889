namespace Detserve.Import.Config;

/// <summary>
/// Detectron2's config versioning (detectron2/config/compat.py): <c>guess_version</c> for a file without VERSION,
/// and the renames of <c>ConverterV1</c> / <c>ConverterV2</c> used to merge an old (v0/v1) file: the defaults are
/// downgraded to the file's version, the file merged, and the result upgraded back to v2.
/// </summary>
internal static class ConfigVersionConverter
{
    public const long LatestVersion = 2;

    private static readonly (string Old, string New)[] V1Renames = [("MODEL.RPN_HEAD.NAME", "MODEL.RPN.HEAD_NAME")];

    private static readonly (string Old, string New)[] V2Renames =
    [
        ("MODEL.WEIGHT", "MODEL.WEIGHTS"),
        ("MODEL.PANOPTIC_FPN.SEMANTIC_LOSS_SCALE", "MODEL.SEM_SEG_HEAD.LOSS_WEIGHT"),
        ("MODEL.PANOPTIC_FPN.RPN_LOSS_SCALE", "MODEL.RPN.LOSS_WEIGHT"),
        ("MODEL.PANOPTIC_FPN.INSTANCE_LOSS_SCALE", "MODEL.PANOPTIC_FPN.INSTANCE_LOSS_WEIGHT"),
        ("MODEL.PANOPTIC_FPN.COMBINE_ON", "MODEL.PANOPTIC_FPN.COMBINE.ENABLED"),
        ("MODEL.PANOPTIC_FPN.COMBINE_OVERLAP_THRESHOLD", "MODEL.PANOPTIC_FPN.COMBINE.OVERLAP_THRESH"),
        ("MODEL.PANOPTIC_FPN.COMBINE_STUFF_AREA_LIMIT", "MODEL.PANOPTIC_FPN.COMBINE.STUFF_AREA_LIMIT"),
        ("MODEL.PANOPTIC_FPN.COMBINE_INSTANCES_CONFIDENCE_THRESHOLD", "MODEL.PANOPTIC_FPN.COMBINE.INSTANCES_CONFIDENCE_THRESH"),
        ("MODEL.ROI_HEADS.SCORE_THRESH", "MODEL.ROI_HEADS.SCORE_THRESH_TEST"),
        ("MODEL.ROI_HEADS.NMS", "MODEL.ROI_HEADS.NMS_THRESH_TEST"),
        ("MODEL.RETINANET.INFERENCE_SCORE_THRESHOLD", "MODEL.RETINANET.SCORE_THRESH_TEST"),
        ("MODEL.RETINANET.INFERENCE_TOPK_CANDIDATES", "MODEL.RETINANET.TOPK_CANDIDATES_TEST"),
        ("MODEL.RETINANET.INFERENCE_NMS_THRESHOLD", "MODEL.RETINANET.NMS_THRESH_TEST"),
        ("TEST.DETECTIONS_PER_IMG", "TEST.DETECTIONS_PER_IMAGE"),
        ("TEST.AUG_ON", "TEST.AUG.ENABLED"),
        ("TEST.AUG_MIN_SIZES", "TEST.AUG.MIN_SIZES"),
        ("TEST.AUG_MAX_SIZE", "TEST.AUG.MAX_SIZE"),
        ("TEST.AUG_FLIP", "TEST.AUG.FLIP"),
    ];

    /// <summary><c>guess_version</c>: v1 when the partial config has MODEL.WEIGHT or TEST.AUG_ON, else the latest.</summary>
    public static long GuessVersion(CfgNode loaded) =>
        Has(loaded, "MODEL.WEIGHT") || Has(loaded, "TEST.AUG_ON") ? 1 : LatestVersion;

    /// <summary><c>downgrade_config(cfg, to_version)</c> on a copy.</summary>
    public static CfgNode Downgrade(CfgNode cfg, long toVersion)
    {
        cfg = cfg.Clone();
        for (var k = Version(cfg); k > toVersion; k--)
        {
            switch (k)
            {
                case 1:
                    RenameAll(cfg, V1Renames, upgrade: false);
                    break;
                case 2:
                    DowngradeV2(cfg);
                    break;
                default:
                    throw new ConfigException($"No config converter from v{k} to v{k - 1}");
            }

            cfg.Set("VERSION", k - 1, cfg.OriginOf("VERSION"));
        }

        return cfg;
    }

    /// <summary><c>upgrade_config(cfg)</c> to the latest version, on a copy.</summary>
    public static CfgNode Upgrade(CfgNode cfg)
    {
        cfg = cfg.Clone();
        for (var k = Version(cfg); k < LatestVersion; k++)
        {
            switch (k + 1)
            {
                case 1:
                    RenameAll(cfg, V1Renames, upgrade: true);
                    break;
                case 2:
                    UpgradeV2(cfg);
                    break;
                default:
                    throw new ConfigException($"No config converter from v{k} to v{k + 1}");
            }

            cfg.Set("VERSION", k + 1, cfg.OriginOf("VERSION"));
        }

        return cfg;
    }

    private static void UpgradeV2(CfgNode cfg)
    {
        RenameAll(cfg, V2Renames, upgrade: true);
        if (Get(cfg, "MODEL.META_ARCHITECTURE") is "RetinaNet")
        {
            Rename(cfg, "MODEL.RETINANET.ANCHOR_ASPECT_RATIOS", "MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS");
            Rename(cfg, "MODEL.RETINANET.ANCHOR_SIZES", "MODEL.ANCHOR_GENERATOR.SIZES");
            Node(cfg, "MODEL.RPN").Remove("ANCHOR_SIZES");
            Node(cfg, "MODEL.RPN").Remove("ANCHOR_ASPECT_RATIOS");
        }
        else
        {
            Rename(cfg, "MODEL.RPN.ANCHOR_ASPECT_RATIOS", "MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS");
            Rename(cfg, "MODEL.RPN.ANCHOR_SIZES", "MODEL.ANCHOR_GENERATOR.SIZES");
            Node(cfg, "MODEL.RETINANET").Remove("ANCHOR_SIZES");
            Node(cfg, "MODEL.RETINANET").Remove("ANCHOR_ASPECT_RATIOS");
        }

        Node(cfg, "MODEL.RETINANET").Remove("ANCHOR_STRIDES");
    }

    private static void DowngradeV2(CfgNode cfg)
    {
        RenameAll(cfg, V2Renames, upgrade: false);
        Rename(cfg, "MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS", "MODEL.RPN.ANCHOR_ASPECT_RATIOS");
        Rename(cfg, "MODEL.ANCHOR_GENERATOR.SIZES", "MODEL.RPN.ANCHOR_SIZES");
        var retinanet = Node(cfg, "MODEL.RETINANET");
        retinanet.Set("ANCHOR_ASPECT_RATIOS", Get(cfg, "MODEL.RPN.ANCHOR_ASPECT_RATIOS"), origin: null);
        retinanet.Set("ANCHOR_SIZES", Get(cfg, "MODEL.RPN.ANCHOR_SIZES"), origin: null);
        retinanet.Set("ANCHOR_STRIDES", new CfgList([], isTuple: false), origin: null);
    }

    /// <summary><c>_RenameConverter</c>: upgrade renames in order, downgrade reverses each pair in reverse order.</summary>
    private static void RenameAll(CfgNode cfg, (string Old, string New)[] renames, bool upgrade)
    {
        if (upgrade)
        {
            foreach (var (oldKey, newKey) in renames)
            {
                Rename(cfg, oldKey, newKey);
            }
        }
        else
        {
            for (var i = renames.Length - 1; i >= 0; i--)
            {
                Rename(cfg, renames[i].New, renames[i].Old);
            }
        }
    }

    /// <summary><c>_rename</c>: set the new key (creating parents), then delete the old one and any parent it leaves empty.</summary>
    private static void Rename(CfgNode cfg, string oldKey, string newKey)
    {
        var value = Get(cfg, oldKey);
        var newParts = newKey.Split('.');
        var node = cfg;
        foreach (var part in newParts[..^1])
        {
            if (!node.TryGetChild(part, out var child))
            {
                child = new CfgNode();
                node.Set(part, child, origin: null);
            }

            node = child as CfgNode ?? throw new ConfigException($"Cannot rename {oldKey} to {newKey}: {part} is not a config node");
        }

        node.Set(newParts[^1], value, origin: null);
        Delete(cfg, oldKey.Split('.'));
    }

    private static void Delete(CfgNode cfg, string[] keys)
    {
        var node = cfg;
        foreach (var part in keys[..^1])
        {
            node = Node(node, part);
        }

        node.Remove(keys[^1]);
        if (node.Count == 0 && keys.Length > 1)
        {
            Delete(cfg, keys[..^1]);
        }
    }

    private static object? Get(CfgNode cfg, string key) =>
        cfg.TryGetValue(key, out var value) ? value : throw new ConfigException($"Config version conversion needs {key}, which is missing");

    private static CfgNode Node(CfgNode cfg, string key) =>
        Get(cfg, key) as CfgNode ?? throw new ConfigException($"Config version conversion needs {key} to be a config node");

    private static bool Has(CfgNode cfg, string key) => cfg.TryGetValue(key, out _);

    private static long Version(CfgNode cfg) =>
        cfg.TryGetChild("VERSION", out var v) && v is long version
            ? version
            : throw new ConfigException($"VERSION must be an int, found {CfgValue.PythonTypeName(v)} {CfgValue.ToPythonRepr(v)}");
}
