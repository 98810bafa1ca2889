namespace Detserve.Import.Config;

/// <summary>
/// The complete defaults table of detectron2/config/defaults.py (facebookresearch/detectron2 at
/// 02b5c4e295e990042a714712c21dc79b731e8833, the commit that produced ../shared/golden/config-dumps), key for key
/// in the file's order, with Python's types kept: <c>800</c> is an int, <c>800.0</c> a float, <c>(800,)</c> a tuple
/// and <c>[0.9, 0.9]</c> a list. <c>CN({"ENABLED": False})</c> becomes a node whose first key is ENABLED.
/// </summary>
internal static class DefaultConfig
{
    /// <summary>A fresh copy of detectron2's <c>_C</c> (what <c>get_cfg()</c> returns).</summary>
    public static CfgNode Build()
    {
        var c = new CfgNode();
        Set(c, "VERSION", 2L);
        Node(c, "MODEL");
        Set(c, "MODEL.LOAD_PROPOSALS", false);
        Set(c, "MODEL.MASK_ON", false);
        Set(c, "MODEL.KEYPOINT_ON", false);
        Set(c, "MODEL.DEVICE", "cuda");
        Set(c, "MODEL.META_ARCHITECTURE", "GeneralizedRCNN");
        Set(c, "MODEL.WEIGHTS", "");
        Set(c, "MODEL.PIXEL_MEAN", L(103.53, 116.28, 123.675));
        Set(c, "MODEL.PIXEL_STD", L(1.0, 1.0, 1.0));
        Node(c, "INPUT");
        Set(c, "INPUT.MIN_SIZE_TRAIN", T(800L));
        Set(c, "INPUT.MIN_SIZE_TRAIN_SAMPLING", "choice");
        Set(c, "INPUT.MAX_SIZE_TRAIN", 1333L);
        Set(c, "INPUT.MIN_SIZE_TEST", 800L);
        Set(c, "INPUT.MAX_SIZE_TEST", 1333L);
        Set(c, "INPUT.RANDOM_FLIP", "horizontal");
        Node(c, "INPUT.CROP");
        Set(c, "INPUT.CROP.ENABLED", false);
        Set(c, "INPUT.CROP.TYPE", "relative_range");
        Set(c, "INPUT.CROP.SIZE", L(0.9, 0.9));
        Set(c, "INPUT.FORMAT", "BGR");
        Set(c, "INPUT.MASK_FORMAT", "polygon");
        Node(c, "DATASETS");
        Set(c, "DATASETS.TRAIN", T());
        Set(c, "DATASETS.PROPOSAL_FILES_TRAIN", T());
        Set(c, "DATASETS.PRECOMPUTED_PROPOSAL_TOPK_TRAIN", 2000L);
        Set(c, "DATASETS.TEST", T());
        Set(c, "DATASETS.PROPOSAL_FILES_TEST", T());
        Set(c, "DATASETS.PRECOMPUTED_PROPOSAL_TOPK_TEST", 1000L);
        Node(c, "DATALOADER");
        Set(c, "DATALOADER.NUM_WORKERS", 4L);
        Set(c, "DATALOADER.ASPECT_RATIO_GROUPING", true);
        Set(c, "DATALOADER.SAMPLER_TRAIN", "TrainingSampler");
        Set(c, "DATALOADER.REPEAT_THRESHOLD", 0.0);
        Set(c, "DATALOADER.REPEAT_SQRT", true);
        Set(c, "DATALOADER.FILTER_EMPTY_ANNOTATIONS", true);
        Node(c, "MODEL.BACKBONE");
        Set(c, "MODEL.BACKBONE.NAME", "build_resnet_backbone");
        Set(c, "MODEL.BACKBONE.FREEZE_AT", 2L);
        Node(c, "MODEL.FPN");
        Set(c, "MODEL.FPN.IN_FEATURES", L());
        Set(c, "MODEL.FPN.OUT_CHANNELS", 256L);
        Set(c, "MODEL.FPN.NORM", "");
        Set(c, "MODEL.FPN.FUSE_TYPE", "sum");
        Node(c, "MODEL.PROPOSAL_GENERATOR");
        Set(c, "MODEL.PROPOSAL_GENERATOR.NAME", "RPN");
        Set(c, "MODEL.PROPOSAL_GENERATOR.MIN_SIZE", 0L);
        Node(c, "MODEL.ANCHOR_GENERATOR");
        Set(c, "MODEL.ANCHOR_GENERATOR.NAME", "DefaultAnchorGenerator");
        Set(c, "MODEL.ANCHOR_GENERATOR.SIZES", L(L(32L, 64L, 128L, 256L, 512L)));
        Set(c, "MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS", L(L(0.5, 1.0, 2.0)));
        Set(c, "MODEL.ANCHOR_GENERATOR.ANGLES", L(L(-90L, 0L, 90L)));
        Set(c, "MODEL.ANCHOR_GENERATOR.OFFSET", 0.0);
        Node(c, "MODEL.RPN");
        Set(c, "MODEL.RPN.HEAD_NAME", "StandardRPNHead");
        Set(c, "MODEL.RPN.IN_FEATURES", L("res4"));
        Set(c, "MODEL.RPN.BOUNDARY_THRESH", -1L);
        Set(c, "MODEL.RPN.IOU_THRESHOLDS", L(0.3, 0.7));
        Set(c, "MODEL.RPN.IOU_LABELS", L(0L, -1L, 1L));
        Set(c, "MODEL.RPN.BATCH_SIZE_PER_IMAGE", 256L);
        Set(c, "MODEL.RPN.POSITIVE_FRACTION", 0.5);
        Set(c, "MODEL.RPN.BBOX_REG_LOSS_TYPE", "smooth_l1");
        Set(c, "MODEL.RPN.BBOX_REG_LOSS_WEIGHT", 1.0);
        Set(c, "MODEL.RPN.BBOX_REG_WEIGHTS", T(1.0, 1.0, 1.0, 1.0));
        Set(c, "MODEL.RPN.SMOOTH_L1_BETA", 0.0);
        Set(c, "MODEL.RPN.LOSS_WEIGHT", 1.0);
        Set(c, "MODEL.RPN.PRE_NMS_TOPK_TRAIN", 12000L);
        Set(c, "MODEL.RPN.PRE_NMS_TOPK_TEST", 6000L);
        Set(c, "MODEL.RPN.POST_NMS_TOPK_TRAIN", 2000L);
        Set(c, "MODEL.RPN.POST_NMS_TOPK_TEST", 1000L);
        Set(c, "MODEL.RPN.NMS_THRESH", 0.7);
        Set(c, "MODEL.RPN.CONV_DIMS", L(-1L));
        Node(c, "MODEL.ROI_HEADS");
        Set(c, "MODEL.ROI_HEADS.NAME", "Res5ROIHeads");
        Set(c, "MODEL.ROI_HEADS.NUM_CLASSES", 80L);
        Set(c, "MODEL.ROI_HEADS.IN_FEATURES", L("res4"));
        Set(c, "MODEL.ROI_HEADS.IOU_THRESHOLDS", L(0.5));
        Set(c, "MODEL.ROI_HEADS.IOU_LABELS", L(0L, 1L));
        Set(c, "MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE", 512L);
        Set(c, "MODEL.ROI_HEADS.POSITIVE_FRACTION", 0.25);
        Set(c, "MODEL.ROI_HEADS.SCORE_THRESH_TEST", 0.05);
        Set(c, "MODEL.ROI_HEADS.NMS_THRESH_TEST", 0.5);
        Set(c, "MODEL.ROI_HEADS.PROPOSAL_APPEND_GT", true);
        Node(c, "MODEL.ROI_BOX_HEAD");
        Set(c, "MODEL.ROI_BOX_HEAD.NAME", "");
        Set(c, "MODEL.ROI_BOX_HEAD.BBOX_REG_LOSS_TYPE", "smooth_l1");
        Set(c, "MODEL.ROI_BOX_HEAD.BBOX_REG_LOSS_WEIGHT", 1.0);
        Set(c, "MODEL.ROI_BOX_HEAD.BBOX_REG_WEIGHTS", T(10.0, 10.0, 5.0, 5.0));
        Set(c, "MODEL.ROI_BOX_HEAD.SMOOTH_L1_BETA", 0.0);
        Set(c, "MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION", 14L);
        Set(c, "MODEL.ROI_BOX_HEAD.POOLER_SAMPLING_RATIO", 0L);
        Set(c, "MODEL.ROI_BOX_HEAD.POOLER_TYPE", "ROIAlignV2");
        Set(c, "MODEL.ROI_BOX_HEAD.NUM_FC", 0L);
        Set(c, "MODEL.ROI_BOX_HEAD.FC_DIM", 1024L);
        Set(c, "MODEL.ROI_BOX_HEAD.NUM_CONV", 0L);
        Set(c, "MODEL.ROI_BOX_HEAD.CONV_DIM", 256L);
        Set(c, "MODEL.ROI_BOX_HEAD.NORM", "");
        Set(c, "MODEL.ROI_BOX_HEAD.CLS_AGNOSTIC_BBOX_REG", false);
        Set(c, "MODEL.ROI_BOX_HEAD.TRAIN_ON_PRED_BOXES", false);
        Set(c, "MODEL.ROI_BOX_HEAD.USE_FED_LOSS", false);
        Set(c, "MODEL.ROI_BOX_HEAD.USE_SIGMOID_CE", false);
        Set(c, "MODEL.ROI_BOX_HEAD.FED_LOSS_FREQ_WEIGHT_POWER", 0.5);
        Set(c, "MODEL.ROI_BOX_HEAD.FED_LOSS_NUM_CLASSES", 50L);
        Node(c, "MODEL.ROI_BOX_CASCADE_HEAD");
        Set(c, "MODEL.ROI_BOX_CASCADE_HEAD.BBOX_REG_WEIGHTS", T(T(10.0, 10.0, 5.0, 5.0), T(20.0, 20.0, 10.0, 10.0), T(30.0, 30.0, 15.0, 15.0)));
        Set(c, "MODEL.ROI_BOX_CASCADE_HEAD.IOUS", T(0.5, 0.6, 0.7));
        Node(c, "MODEL.ROI_MASK_HEAD");
        Set(c, "MODEL.ROI_MASK_HEAD.NAME", "MaskRCNNConvUpsampleHead");
        Set(c, "MODEL.ROI_MASK_HEAD.POOLER_RESOLUTION", 14L);
        Set(c, "MODEL.ROI_MASK_HEAD.POOLER_SAMPLING_RATIO", 0L);
        Set(c, "MODEL.ROI_MASK_HEAD.NUM_CONV", 0L);
        Set(c, "MODEL.ROI_MASK_HEAD.CONV_DIM", 256L);
        Set(c, "MODEL.ROI_MASK_HEAD.NORM", "");
        Set(c, "MODEL.ROI_MASK_HEAD.CLS_AGNOSTIC_MASK", false);
        Set(c, "MODEL.ROI_MASK_HEAD.POOLER_TYPE", "ROIAlignV2");
        Node(c, "MODEL.ROI_KEYPOINT_HEAD");
        Set(c, "MODEL.ROI_KEYPOINT_HEAD.NAME", "KRCNNConvDeconvUpsampleHead");
        Set(c, "MODEL.ROI_KEYPOINT_HEAD.POOLER_RESOLUTION", 14L);
        Set(c, "MODEL.ROI_KEYPOINT_HEAD.POOLER_SAMPLING_RATIO", 0L);
        Set(c, "MODEL.ROI_KEYPOINT_HEAD.CONV_DIMS", T(512L, 512L, 512L, 512L, 512L, 512L, 512L, 512L));
        Set(c, "MODEL.ROI_KEYPOINT_HEAD.NUM_KEYPOINTS", 17L);
        Set(c, "MODEL.ROI_KEYPOINT_HEAD.MIN_KEYPOINTS_PER_IMAGE", 1L);
        Set(c, "MODEL.ROI_KEYPOINT_HEAD.NORMALIZE_LOSS_BY_VISIBLE_KEYPOINTS", true);
        Set(c, "MODEL.ROI_KEYPOINT_HEAD.LOSS_WEIGHT", 1.0);
        Set(c, "MODEL.ROI_KEYPOINT_HEAD.POOLER_TYPE", "ROIAlignV2");
        Node(c, "MODEL.SEM_SEG_HEAD");
        Set(c, "MODEL.SEM_SEG_HEAD.NAME", "SemSegFPNHead");
        Set(c, "MODEL.SEM_SEG_HEAD.IN_FEATURES", L("p2", "p3", "p4", "p5"));
        Set(c, "MODEL.SEM_SEG_HEAD.IGNORE_VALUE", 255L);
        Set(c, "MODEL.SEM_SEG_HEAD.NUM_CLASSES", 54L);
        Set(c, "MODEL.SEM_SEG_HEAD.CONVS_DIM", 128L);
        Set(c, "MODEL.SEM_SEG_HEAD.COMMON_STRIDE", 4L);
        Set(c, "MODEL.SEM_SEG_HEAD.NORM", "GN");
        Set(c, "MODEL.SEM_SEG_HEAD.LOSS_WEIGHT", 1.0);
        Node(c, "MODEL.PANOPTIC_FPN");
        Set(c, "MODEL.PANOPTIC_FPN.INSTANCE_LOSS_WEIGHT", 1.0);
        Node(c, "MODEL.PANOPTIC_FPN.COMBINE");
        Set(c, "MODEL.PANOPTIC_FPN.COMBINE.ENABLED", true);
        Set(c, "MODEL.PANOPTIC_FPN.COMBINE.OVERLAP_THRESH", 0.5);
        Set(c, "MODEL.PANOPTIC_FPN.COMBINE.STUFF_AREA_LIMIT", 4096L);
        Set(c, "MODEL.PANOPTIC_FPN.COMBINE.INSTANCES_CONFIDENCE_THRESH", 0.5);
        Node(c, "MODEL.RETINANET");
        Set(c, "MODEL.RETINANET.NUM_CLASSES", 80L);
        Set(c, "MODEL.RETINANET.IN_FEATURES", L("p3", "p4", "p5", "p6", "p7"));
        Set(c, "MODEL.RETINANET.NUM_CONVS", 4L);
        Set(c, "MODEL.RETINANET.IOU_THRESHOLDS", L(0.4, 0.5));
        Set(c, "MODEL.RETINANET.IOU_LABELS", L(0L, -1L, 1L));
        Set(c, "MODEL.RETINANET.PRIOR_PROB", 0.01);
        Set(c, "MODEL.RETINANET.SCORE_THRESH_TEST", 0.05);
        Set(c, "MODEL.RETINANET.TOPK_CANDIDATES_TEST", 1000L);
        Set(c, "MODEL.RETINANET.NMS_THRESH_TEST", 0.5);
        Set(c, "MODEL.RETINANET.BBOX_REG_WEIGHTS", T(1.0, 1.0, 1.0, 1.0));
        Set(c, "MODEL.RETINANET.FOCAL_LOSS_GAMMA", 2.0);
        Set(c, "MODEL.RETINANET.FOCAL_LOSS_ALPHA", 0.25);
        Set(c, "MODEL.RETINANET.SMOOTH_L1_LOSS_BETA", 0.1);
        Set(c, "MODEL.RETINANET.BBOX_REG_LOSS_TYPE", "smooth_l1");
        Set(c, "MODEL.RETINANET.NORM", "");
        Node(c, "MODEL.RESNETS");
        Set(c, "MODEL.RESNETS.DEPTH", 50L);
        Set(c, "MODEL.RESNETS.OUT_FEATURES", L("res4"));
        Set(c, "MODEL.RESNETS.NUM_GROUPS", 1L);
        Set(c, "MODEL.RESNETS.NORM", "FrozenBN");
        Set(c, "MODEL.RESNETS.WIDTH_PER_GROUP", 64L);
        Set(c, "MODEL.RESNETS.STRIDE_IN_1X1", true);
        Set(c, "MODEL.RESNETS.RES5_DILATION", 1L);
        Set(c, "MODEL.RESNETS.RES2_OUT_CHANNELS", 256L);
        Set(c, "MODEL.RESNETS.STEM_OUT_CHANNELS", 64L);
        Set(c, "MODEL.RESNETS.DEFORM_ON_PER_STAGE", L(false, false, false, false));
        Set(c, "MODEL.RESNETS.DEFORM_MODULATED", false);
        Set(c, "MODEL.RESNETS.DEFORM_NUM_GROUPS", 1L);
        Node(c, "SOLVER");
        Set(c, "SOLVER.LR_SCHEDULER_NAME", "WarmupMultiStepLR");
        Set(c, "SOLVER.MAX_ITER", 40000L);
        Set(c, "SOLVER.BASE_LR", 0.001);
        Set(c, "SOLVER.BASE_LR_END", 0.0);
        Set(c, "SOLVER.MOMENTUM", 0.9);
        Set(c, "SOLVER.NESTEROV", false);
        Set(c, "SOLVER.WEIGHT_DECAY", 0.0001);
        Set(c, "SOLVER.WEIGHT_DECAY_NORM", 0.0);
        Set(c, "SOLVER.GAMMA", 0.1);
        Set(c, "SOLVER.STEPS", T(30000L));
        Set(c, "SOLVER.NUM_DECAYS", 3L);
        Set(c, "SOLVER.WARMUP_FACTOR", 0.001);
        Set(c, "SOLVER.WARMUP_ITERS", 1000L);
        Set(c, "SOLVER.WARMUP_METHOD", "linear");
        Set(c, "SOLVER.RESCALE_INTERVAL", false);
        Set(c, "SOLVER.CHECKPOINT_PERIOD", 5000L);
        Set(c, "SOLVER.IMS_PER_BATCH", 16L);
        Set(c, "SOLVER.REFERENCE_WORLD_SIZE", 0L);
        Set(c, "SOLVER.BIAS_LR_FACTOR", 1.0);
        Set(c, "SOLVER.WEIGHT_DECAY_BIAS", null);
        Node(c, "SOLVER.CLIP_GRADIENTS");
        Set(c, "SOLVER.CLIP_GRADIENTS.ENABLED", false);
        Set(c, "SOLVER.CLIP_GRADIENTS.CLIP_TYPE", "value");
        Set(c, "SOLVER.CLIP_GRADIENTS.CLIP_VALUE", 1.0);
        Set(c, "SOLVER.CLIP_GRADIENTS.NORM_TYPE", 2.0);
        Node(c, "SOLVER.AMP");
        Set(c, "SOLVER.AMP.ENABLED", false);
        Node(c, "TEST");
        Set(c, "TEST.EXPECTED_RESULTS", L());
        Set(c, "TEST.EVAL_PERIOD", 0L);
        Set(c, "TEST.KEYPOINT_OKS_SIGMAS", L());
        Set(c, "TEST.DETECTIONS_PER_IMAGE", 100L);
        Node(c, "TEST.AUG");
        Set(c, "TEST.AUG.ENABLED", false);
        Set(c, "TEST.AUG.MIN_SIZES", T(400L, 500L, 600L, 700L, 800L, 900L, 1000L, 1100L, 1200L));
        Set(c, "TEST.AUG.MAX_SIZE", 4000L);
        Set(c, "TEST.AUG.FLIP", true);
        Node(c, "TEST.PRECISE_BN");
        Set(c, "TEST.PRECISE_BN.ENABLED", false);
        Set(c, "TEST.PRECISE_BN.NUM_ITER", 200L);
        Set(c, "OUTPUT_DIR", "./output");
        Set(c, "SEED", -1L);
        Set(c, "CUDNN_BENCHMARK", false);
        Set(c, "FLOAT32_PRECISION", "");
        Set(c, "VIS_PERIOD", 0L);
        Node(c, "GLOBAL");
        Set(c, "GLOBAL.HACK", 1.0);
        return c;
    }

    private static CfgList L(params object?[] items) => new(items, isTuple: false);

    private static CfgList T(params object?[] items) => new(items, isTuple: true);

    private static void Node(CfgNode root, string dottedKey) => Set(root, dottedKey, new CfgNode());

    /// <summary>Python <c>_C.A.B.C = value</c>: every parent node was created before, as in defaults.py.</summary>
    private static void Set(CfgNode root, string dottedKey, object? value)
    {
        var parts = dottedKey.Split('.');
        var node = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            node.TryGetChild(parts[i], out var child);
            node = (CfgNode)child!;
        }

        node.Set(parts[^1], value, origin: null);
    }
}
