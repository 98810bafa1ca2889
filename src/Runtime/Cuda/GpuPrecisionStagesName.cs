namespace Detserve.Runtime.Cuda;

/// <summary>The words of <see cref="GpuPrecisionStages"/> and the environment variable that sets them for FP16 plans.</summary>
internal static class GpuPrecisionStagesName
{
    /// <summary>
    /// Comma-separated stage words ("box", "mask", "tf32", "rpn-out", "pred-out") an FP16 plan keeps in float32; read when a plan is made. A study knob for
    /// the device runs (bench/gpu/NOTES.md), not a serving option: unset means <see cref="Default"/>.
    /// </summary>
    public const string EnvironmentVariable = "DETSERVE_CUDA_FP16_FP32_STAGES";

    /// <summary>
    /// What an FP16 plan keeps in float32 when the variable is unset: the RPN head's objectness / delta 1x1 convs ("rpn-out").
    /// Half-rounded RPN logits cost the golden Mask R-CNN 0.18 bbox / 0.19 segm AP against Detectron2 (issue 5's limit is 0.1);
    /// computed in float32 (RpnHeadOutputsOp) it is 57.759 / 67.117 vs 57.749 / 67.093, at batch 1 1344x1344 4.60 ms and batch 8
    /// 800x1333 504 images/s on an H100 (none: 4.62 ms / 512 images/s; bench/gpu/NOTES.md, "FP16 accuracy").
    /// </summary>
    public const GpuPrecisionStages Default = GpuPrecisionStages.RpnOutputs;

    /// <summary>The stages named in <see cref="EnvironmentVariable"/>, or <see cref="Default"/> when it is unset or empty.</summary>
    public static GpuPrecisionStages FromEnvironment() => Parse(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>"none", or a comma list of "box", "mask", "tf32", "rpn-out", "pred-out" (case-insensitive); null or empty = <see cref="Default"/>.</summary>
    public static GpuPrecisionStages Parse(string? words)
    {
        if (string.IsNullOrWhiteSpace(words)) return Default;
        var stages = GpuPrecisionStages.None;
        foreach (string word in words.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            stages |= word.ToLowerInvariant() switch
            {
                "none" => GpuPrecisionStages.None,
                "box" => GpuPrecisionStages.BoxHead,
                "mask" => GpuPrecisionStages.MaskHead,
                "tf32" => GpuPrecisionStages.Tf32Gemm,
                "rpn-out" => GpuPrecisionStages.RpnOutputs,
                "pred-out" => GpuPrecisionStages.PredictorOutputs,
                _ => throw new NotSupportedException($"{EnvironmentVariable}: unknown stage '{word}' in '{words}' (use none, box, mask, tf32, rpn-out, pred-out)"),
            };
        }
        return stages;
    }

    /// <summary>The comma list for <paramref name="stages"/> ("none" when empty).</summary>
    public static string Name(GpuPrecisionStages stages)
    {
        var words = new List<string>();
        if (stages.HasFlag(GpuPrecisionStages.BoxHead)) words.Add("box");
        if (stages.HasFlag(GpuPrecisionStages.MaskHead)) words.Add("mask");
        if (stages.HasFlag(GpuPrecisionStages.Tf32Gemm)) words.Add("tf32");
        if (stages.HasFlag(GpuPrecisionStages.RpnOutputs)) words.Add("rpn-out");
        if (stages.HasFlag(GpuPrecisionStages.PredictorOutputs)) words.Add("pred-out");
        return words.Count == 0 ? "none" : string.Join(",", words);
    }
}
