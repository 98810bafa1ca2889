using Detserve.Runtime.Cuda;

namespace Detserve.Backends.Cuda.Tests.Gpu;

/// <summary>The words of DETSERVE_CUDA_FP16_FP32_STAGES (CPU-only: no device needed).</summary>
public sealed class GpuPrecisionStagesNameTests
{
    [Theory]
    [InlineData(null, (int)GpuPrecisionStagesName.Default)]
    [InlineData("", (int)GpuPrecisionStagesName.Default)]
    [InlineData("  ", (int)GpuPrecisionStagesName.Default)]
    [InlineData("none", (int)GpuPrecisionStages.None)]
    [InlineData("rpn-out", (int)GpuPrecisionStages.RpnOutputs)]
    [InlineData("RPN-OUT, pred-out", (int)(GpuPrecisionStages.RpnOutputs | GpuPrecisionStages.PredictorOutputs))]
    [InlineData("box,mask,tf32", (int)(GpuPrecisionStages.BoxHead | GpuPrecisionStages.MaskHead | GpuPrecisionStages.Tf32Gemm))]
    [InlineData("none,box", (int)GpuPrecisionStages.BoxHead)]
    public void Parse_ReadsEachWord(string? words, int expected) =>
        Assert.Equal((GpuPrecisionStages)expected, GpuPrecisionStagesName.Parse(words));

    [Fact]
    public void Parse_RefusesAnUnknownWordByName()
    {
        var e = Assert.Throws<NotSupportedException>(() => GpuPrecisionStagesName.Parse("box,backbone"));
        Assert.Contains("'backbone'", e.Message, StringComparison.Ordinal);
        Assert.Contains(GpuPrecisionStagesName.EnvironmentVariable, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Name_RoundTripsEveryCombination()
    {
        for (int bits = 0; bits < 32; bits++)
        {
            var stages = (GpuPrecisionStages)bits;
            Assert.Equal(stages, GpuPrecisionStagesName.Parse(GpuPrecisionStagesName.Name(stages)));
        }
        Assert.Equal("none", GpuPrecisionStagesName.Name(GpuPrecisionStages.None));
    }
}
