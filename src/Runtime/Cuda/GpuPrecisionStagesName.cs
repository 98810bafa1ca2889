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
    /// What an FP16 plan keeps in float32 when the variable is unset: nothing. "rpn-out" brings the golden Mask R-CNN's FP16 AP
    /// within 0.03 of Detectron2 (half-rounded RPN logits cost 0.18 bbox / 0.19 segm AP) and keeps batch 1 1344x1344 at 4.83 ms on an
    /// H100, but RpnHeadOutputsOp as written takes batch 8 800x1333 from 510 to 454 images/s, under issue 5's 500: it becomes the
    /// default once that kernel is fast enough (bench/gpu/NOTES.md, "FP16 accuracy").
    /// </summary>
    public const GpuPrecisionStages Default = GpuPrecisionStages.None;

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
