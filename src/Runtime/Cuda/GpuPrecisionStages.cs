namespace Detserve.Runtime.Cuda;

/// <summary>
/// Stage groups of an FP16 plan that run in float32 instead (everything else stays FP16): the knob of the FP16 accuracy study
/// (bench/gpu/NOTES.md, "FP16 accuracy"). Parsed by <see cref="GpuPrecisionStagesName"/>.
/// </summary>
[Flags]
internal enum GpuPrecisionStages
{
    /// <summary>The whole network in FP16 storage.</summary>
    None = 0,

    /// <summary>ROIAlign for the box head written in float32 NCHW, the box head (fc1, fc2, cls_score, bbox_pred) in float32.</summary>
    BoxHead = 1,

    /// <summary>ROIAlign for the mask head written in float32 NCHW, the mask head (4 convs, deconv, predictor) in float32 (TF32 convs).</summary>
    MaskHead = 2,

    /// <summary>The float32 heads' GEMMs on TF32 tensor cores instead of full float32 (speed; PyTorch's allow_tf32 for matmul).</summary>
    Tf32Gemm = 4,

    /// <summary>The RPN head's objectness and anchor-delta 1x1 convs computed in float32 from their half input by RpnHeadOutputsOp, straight into the proposal stage's float32 buffers (no half rounding before top-k).</summary>
    RpnOutputs = 8,

    /// <summary>cls_score, bbox_pred and the mask predictor computed in float32 from their half inputs (no half rounding of logits / deltas).</summary>
    PredictorOutputs = 16,
}
