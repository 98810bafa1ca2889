using Detserve.Import.Model;

namespace Detserve.Runtime.Cuda.Tests;

/// <summary>
/// The FP16 accuracy study (bench/gpu/NOTES.md, "FP16 accuracy"): the golden Mask R-CNN over shapes_test in FP16 once per set of
/// stage groups kept in float32, all in one process, each line logged with its COCO AP against Detectron2's. Runs only when
/// DETSERVE_FP16_STUDY names the variants ("none;box;mask;box,mask,tf32": each item a value of DETSERVE_CUDA_FP16_FP32_STAGES, read
/// when the CUDA detector makes its plans).
/// </summary>
[Trait("gpu", "true")]
public sealed class Fp16StageStudyTests
{
    private const string StagesVariable = "DETSERVE_CUDA_FP16_FP32_STAGES";

    [Fact]
    public void MaskRcnn_Fp16StageVariants_ApAgainstDetectron2()
    {
        string? study = Environment.GetEnvironmentVariable("DETSERVE_FP16_STUDY");
        Assert.SkipWhen(string.IsNullOrWhiteSpace(study), "set DETSERVE_FP16_STUDY (e.g. \"none;box;mask\") to run the FP16 stage study");
        string? saved = Environment.GetEnvironmentVariable(StagesVariable);
        try
        {
            foreach (string variant in study!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                Environment.SetEnvironmentVariable(StagesVariable, variant);
                IReadOnlyList<ApCheck> checks = GoldenApRun.Run(Golden.MaskRcnn, new PredictorOptions("cuda", 0, "fp16"),
                    line => GoldenApRun.Log($"[fp32 stages {variant}] {line}"), TestContext.Current.CancellationToken);
                Assert.Equal(["bbox", "segm"], checks.Select(c => c.IouType));
                Assert.All(checks, c => Assert.True(double.IsFinite(c.MeasuredAp), $"{variant}: {c}"));
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(StagesVariable, saved);
        }
    }
}
