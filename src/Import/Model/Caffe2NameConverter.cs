using System.Text.RegularExpressions;
using Detserve.Graph;

namespace Detserve.Import.Model;

/// <summary>
/// detectron2/checkpoint/c2_model_loading.py convert_c2_detectron_names (with convert_basic_c2_names): Caffe2/Detectron1
/// blob names to Detectron2 module names, dropping the background rows of bbox_pred (4) and the mask predictor (1) and
/// moving cls_score's background row from first to last. The rules run in Detectron2's order; each is a plain
/// str.replace or re.sub over every name.
/// </summary>
internal static class Caffe2NameConverter
{
    // The re.sub patterns, compiled once (a constant table; Regex's own cache holds only 15 patterns).
    private static readonly Regex Rule0 = new(@"\.b$", RegexOptions.CultureInvariant);
    private static readonly Regex Rule1 = new(@"\.w$", RegexOptions.CultureInvariant);
    private static readonly Regex Rule2 = new(@"bn\.s$", RegexOptions.CultureInvariant);
    private static readonly Regex Rule3 = new(@"bn\.bias$", RegexOptions.CultureInvariant);
    private static readonly Regex Rule4 = new(@"bn\.rm", RegexOptions.CultureInvariant);
    private static readonly Regex Rule5 = new(@"bn\.running.mean$", RegexOptions.CultureInvariant);
    private static readonly Regex Rule6 = new(@"bn\.riv$", RegexOptions.CultureInvariant);
    private static readonly Regex Rule7 = new(@"bn\.running.var$", RegexOptions.CultureInvariant);
    private static readonly Regex Rule8 = new(@"bn\.gamma$", RegexOptions.CultureInvariant);
    private static readonly Regex Rule9 = new(@"bn\.beta$", RegexOptions.CultureInvariant);
    private static readonly Regex Rule10 = new(@"gn\.s$", RegexOptions.CultureInvariant);
    private static readonly Regex Rule11 = new(@"gn\.bias$", RegexOptions.CultureInvariant);
    private static readonly Regex Rule12 = new(@"^res\.conv1\.norm\.", RegexOptions.CultureInvariant);
    private static readonly Regex Rule13 = new(@"^conv1\.", RegexOptions.CultureInvariant);
    private static readonly Regex Rule14 = new(@"^body.conv.fcn", RegexOptions.CultureInvariant);
    private static readonly Regex Rule15 = new(@"^bbox\.pred", RegexOptions.CultureInvariant);
    private static readonly Regex Rule16 = new(@"^cls\.score", RegexOptions.CultureInvariant);
    private static readonly Regex Rule17 = new(@"^fc6\.", RegexOptions.CultureInvariant);
    private static readonly Regex Rule18 = new(@"^fc7\.", RegexOptions.CultureInvariant);
    private static readonly Regex Rule19 = new(@"^head\.conv", RegexOptions.CultureInvariant);
    private static readonly Regex Rule20 = new(@"^\.mask\.fcn", RegexOptions.CultureInvariant);

    /// <summary>Renamed tensors (renamed name -> tensor) and renamed name -> original name.</summary>
    public static (OrderedDictionary<string, HostTensor> Tensors, Dictionary<string, string> Original) Convert(
        IReadOnlyDictionary<string, HostTensor> weights, List<string> notes)
    {
        List<string> originalKeys = weights.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        List<string> keys = originalKeys.Select(ConvertBasic).Select(ConvertDetection).ToList();
        if (keys.Distinct(StringComparer.Ordinal).Count() != keys.Count)
        {
            string clash = keys.GroupBy(k => k, StringComparer.Ordinal).First(g => g.Count() > 1).Key;
            throw new WeightBindingException($"Caffe2 name conversion maps several blobs to '{clash}'");
        }
        var tensors = new OrderedDictionary<string, HostTensor>(StringComparer.Ordinal);
        var original = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < keys.Count; i++)
        {
            string renamed = keys[i];
            HostTensor value = weights[originalKeys[i]];
            original[renamed] = originalKeys[i];
            if (renamed.StartsWith("bbox_pred.", StringComparison.Ordinal) || renamed.StartsWith("mask_head.predictor.", StringComparison.Ordinal))
            {
                // The background class's prediction is meaningless in Detectron2's heads.
                int start = renamed.StartsWith("bbox_pred.", StringComparison.Ordinal) ? 4 : 1;
                value = TensorRows.From(value, start);
                notes.Add($"{originalKeys[i]} -> {renamed}: background rows removed, shape {Shape(weights[originalKeys[i]])} -> {Shape(value)}");
            }
            else if (renamed.StartsWith("cls_score.", StringComparison.Ordinal))
            {
                value = TensorRows.FirstRowToEnd(value);
                notes.Add($"{originalKeys[i]} -> {renamed}: background class moved from index 0 to the last index");
            }
            tensors.Add(renamed, value);
        }
        notes.Add($"renamed {keys.Count} Caffe2 blobs to Detectron2 names (convert_c2_detectron_names)");
        return (tensors, original);
    }

    private static string Shape(HostTensor t) => t.ShapeText;

    /// <summary>convert_basic_c2_names for one key.</summary>
    internal static string ConvertBasic(string key)
    {
        string k = key switch
        {
            "pred_b" => "linear_b",
            "pred_w" => "linear_w",
            _ => key,
        };
        k = k.Replace('_', '.');
        k = Sub(k, Rule0, ".bias");
        k = Sub(k, Rule1, ".weight");
        // Both bn and gn names become "norm".
        k = Sub(k, Rule2, "norm.weight");
        k = Sub(k, Rule3, "norm.bias");
        k = Sub(k, Rule4, "norm.running_mean");
        k = Sub(k, Rule5, "norm.running_mean");
        k = Sub(k, Rule6, "norm.running_var");
        k = Sub(k, Rule7, "norm.running_var");
        k = Sub(k, Rule8, "norm.weight");
        k = Sub(k, Rule9, "norm.bias");
        k = Sub(k, Rule10, "norm.weight");
        k = Sub(k, Rule11, "norm.bias");
        // Stem.
        k = Sub(k, Rule12, "conv1.norm.");
        k = Sub(k, Rule13, "stem.conv1.");
        // Blocks.
        k = k.Replace(".branch1.", ".shortcut.", StringComparison.Ordinal);
        k = k.Replace(".branch2a.", ".conv1.", StringComparison.Ordinal);
        k = k.Replace(".branch2b.", ".conv2.", StringComparison.Ordinal);
        k = k.Replace(".branch2c.", ".conv3.", StringComparison.Ordinal);
        // DensePose substitutions.
        k = Sub(k, Rule14, "body_conv_fcn");
        k = k.Replace("AnnIndex.lowres", "ann_index_lowres", StringComparison.Ordinal);
        k = k.Replace("Index.UV.lowres", "index_uv_lowres", StringComparison.Ordinal);
        k = k.Replace("U.lowres", "u_lowres", StringComparison.Ordinal);
        k = k.Replace("V.lowres", "v_lowres", StringComparison.Ordinal);
        return k;
    }

    /// <summary>The detection-specific renames of convert_c2_detectron_names for one key (after <see cref="ConvertBasic"/>).</summary>
    internal static string ConvertDetection(string key)
    {
        string k = key;
        // RPN hidden conv: FPN models define it for level 2 and share it ("fpn2"), then the non-FPN name.
        k = k.Replace("conv.rpn.fpn2", "proposal_generator.rpn_head.conv", StringComparison.Ordinal);
        k = k.Replace("conv.rpn", "proposal_generator.rpn_head.conv", StringComparison.Ordinal);
        k = k.Replace("rpn.bbox.pred.fpn2", "proposal_generator.rpn_head.anchor_deltas", StringComparison.Ordinal);
        k = k.Replace("rpn.cls.logits.fpn2", "proposal_generator.rpn_head.objectness_logits", StringComparison.Ordinal);
        k = k.Replace("rpn.bbox.pred", "proposal_generator.rpn_head.anchor_deltas", StringComparison.Ordinal);
        k = k.Replace("rpn.cls.logits", "proposal_generator.rpn_head.objectness_logits", StringComparison.Ordinal);
        // Fast R-CNN box head.
        k = Sub(k, Rule15, "bbox_pred");
        k = Sub(k, Rule16, "cls_score");
        k = Sub(k, Rule17, "box_head.fc1.");
        k = Sub(k, Rule18, "box_head.fc2.");
        k = Sub(k, Rule19, "box_head.conv");
        k = FpnMap(k);
        // Mask head (StandardROIHeads, then the Res5ROIHeads deconv name).
        k = k.Replace(".[mask].fcn", "mask_head.mask_fcn", StringComparison.Ordinal);
        k = Sub(k, Rule20, "mask_head.mask_fcn");
        k = k.Replace("mask.fcn.logits", "mask_head.predictor", StringComparison.Ordinal);
        k = k.Replace("conv5.mask", "mask_head.deconv", StringComparison.Ordinal);
        // Keypoint head.
        k = k.Replace("conv.fcn", "roi_heads.keypoint_head.conv_fcn", StringComparison.Ordinal);
        k = k.Replace("kps.score.lowres", "roi_heads.keypoint_head.score_lowres", StringComparison.Ordinal);
        k = k.Replace("kps.score.", "roi_heads.keypoint_head.score.", StringComparison.Ordinal);
        return k;
    }

    /// <summary>fpn_map: "fpn.inner.res2.2.sum.lateral.weight" -> "fpn_lateral2.weight", "fpn.res2.2.sum.weight" -> "fpn_output2.weight".</summary>
    private static string FpnMap(string name)
    {
        string[] splits = name.Split('.');
        string norm = splits.Contains("norm") ? ".norm" : "";
        if (name.StartsWith("fpn.inner.", StringComparison.Ordinal) && splits.Length > 2 && TryStage(splits[2], out int lateral))
            return $"fpn_lateral{lateral}{norm}.{splits[^1]}";
        if (name.StartsWith("fpn.res", StringComparison.Ordinal) && TryStage(splits[1], out int output))
            return $"fpn_output{output}{norm}.{splits[^1]}";
        return name;
    }

    // int(splits[i][len("res"):]); a name Python would fail on is left unchanged here and reported later as unexpected.
    private static bool TryStage(string part, out int stage) =>
        int.TryParse(part.AsSpan(3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out stage);

    private static string Sub(string input, Regex pattern, string replacement) =>
        pattern.Replace(input, replacement.Replace("$", "$$", StringComparison.Ordinal));
}
