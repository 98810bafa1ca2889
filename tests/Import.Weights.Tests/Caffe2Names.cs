using System.Text.RegularExpressions;
using Detserve.Graph;

namespace Detserve.Import.Weights.Tests;

/// <summary>
/// Test-only inverse of Detectron2's Caffe2 renaming for ResNet-FPN Mask R-CNN names, written from Detectron1's blob
/// naming (res2_0_branch2a_w, res_conv1_bn_s, fpn_inner_res2_2_sum_lateral_w, conv_rpn_fpn2_w, fc6_w, cls_score_w,
/// _[mask]_fcn1_w, conv5_mask_w, mask_fcn_logits_w), so the converter can be checked against a real model.
/// </summary>
internal static class Caffe2Names
{
    private static readonly int[] LastBlock = [2, 3, 5, 2];

    public static string ToCaffe2(string name)
    {
        Match m;
        if ((m = Regex.Match(name, @"^backbone\.bottom_up\.stem\.conv1\.(weight|norm\.weight|norm\.bias)$")).Success)
            return m.Groups[1].Value switch { "weight" => "conv1_w", "norm.weight" => "res_conv1_bn_s", _ => "res_conv1_bn_b" };
        if ((m = Regex.Match(name, @"^backbone\.bottom_up\.res(\d)\.(\d+)\.(conv1|conv2|conv3|shortcut)\.(weight|norm\.weight|norm\.bias)$")).Success)
        {
            string branch = m.Groups[3].Value switch { "conv1" => "branch2a", "conv2" => "branch2b", "conv3" => "branch2c", _ => "branch1" };
            string suffix = m.Groups[4].Value switch { "weight" => "w", "norm.weight" => "bn_s", _ => "bn_b" };
            return $"res{m.Groups[1].Value}_{m.Groups[2].Value}_{branch}_{suffix}";
        }
        if ((m = Regex.Match(name, @"^backbone\.fpn_(lateral|output)(\d)\.(weight|bias)$")).Success)
        {
            int stage = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            string wb = m.Groups[3].Value == "weight" ? "w" : "b";
            return m.Groups[1].Value == "lateral"
                ? $"fpn_inner_res{stage}_{LastBlock[stage - 2]}_sum_lateral_{wb}"
                : $"fpn_res{stage}_{LastBlock[stage - 2]}_sum_{wb}";
        }
        string wbSuffix = name.EndsWith(".weight", StringComparison.Ordinal) ? "w" : "b";
        string module = name[..name.LastIndexOf('.')];
        return module switch
        {
            "proposal_generator.rpn_head.conv" => $"conv_rpn_fpn2_{wbSuffix}",
            "proposal_generator.rpn_head.objectness_logits" => $"rpn_cls_logits_fpn2_{wbSuffix}",
            "proposal_generator.rpn_head.anchor_deltas" => $"rpn_bbox_pred_fpn2_{wbSuffix}",
            "roi_heads.box_head.fc1" => $"fc6_{wbSuffix}",
            "roi_heads.box_head.fc2" => $"fc7_{wbSuffix}",
            "roi_heads.box_predictor.cls_score" => $"cls_score_{wbSuffix}",
            "roi_heads.box_predictor.bbox_pred" => $"bbox_pred_{wbSuffix}",
            "roi_heads.mask_head.deconv" => $"conv5_mask_{wbSuffix}",
            "roi_heads.mask_head.predictor" => $"mask_fcn_logits_{wbSuffix}",
            _ when module.StartsWith("roi_heads.mask_head.mask_fcn", StringComparison.Ordinal) => $"_[mask]_fcn{module[^1]}_{wbSuffix}",
            _ => throw new ArgumentException($"no Caffe2 name for {name}"),
        };
    }

    /// <summary>Caffe2 heads carry a background class: first row of cls_score, first 4 rows of bbox_pred, first mask channel.</summary>
    public static HostTensor ToCaffe2Layout(string name, HostTensor tensor)
    {
        int rowBytes = tensor.Shape[0] == 0 ? 0 : tensor.Bytes.Length / tensor.Shape[0];
        if (name.StartsWith("roi_heads.box_predictor.cls_score", StringComparison.Ordinal))
        {
            // Detectron2 moves row 0 to the end, so Caffe2's layout has the last row first.
            byte[] bytes = [.. tensor.Bytes[^rowBytes..], .. tensor.Bytes[..^rowBytes]];
            return new HostTensor(tensor.DType, tensor.Shape, bytes);
        }
        int extraRows = name.StartsWith("roi_heads.box_predictor.bbox_pred", StringComparison.Ordinal) ? 4
            : name.StartsWith("roi_heads.mask_head.predictor", StringComparison.Ordinal) ? 1 : 0;
        if (extraRows == 0) return tensor;
        byte[] padded = [.. Enumerable.Repeat((byte)0x7f, extraRows * rowBytes), .. tensor.Bytes];
        return new HostTensor(tensor.DType, [tensor.Shape[0] + extraRows, .. tensor.Shape.Skip(1)], padded);
    }
}
