namespace Detserve.Runtime.Cuda.Tests;

/// <summary>
/// The AP harness on the CPU engine, which matches Detectron2 detection for detection: it must give back coco_eval.json's AP,
/// so that a GPU miss is the GPU's and not the harness's.
/// </summary>
public sealed class CpuHarnessTests
{
    [Fact]
    public void MaskRcnnOnTheCpu_ReproducesDetectron2sAp()
    {
        var checks = GoldenApRun.Run(Golden.MaskRcnn, new PredictorOptions("cpu", 0, "fp32"), GoldenApRun.Log, TestContext.Current.CancellationToken);
        Assert.Equal(["bbox", "segm"], checks.Select(c => c.IouType));
        foreach (ApCheck c in checks) Assert.True(c.WithinTolerance, c.ToString());
    }
}
