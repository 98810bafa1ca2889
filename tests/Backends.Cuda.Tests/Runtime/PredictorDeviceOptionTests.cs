using System.Runtime.InteropServices;
using Detserve.Import.Model;
using Detserve.Runtime;

namespace Detserve.Backends.Cuda.Tests.Runtime;

/// <summary>How Predictor.Create reads Device and Precision for CUDA, on machines with or without a GPU (CI has none).</summary>
public sealed class PredictorDeviceOptionTests
{
    private static bool DriverPresent()
    {
        if (!NativeLibrary.TryLoad("libcuda.so.1", out nint handle)) return false;
        NativeLibrary.Free(handle);
        return true;
    }

    [Fact]
    public void Cuda_WithoutADriver_SaysThatNoDriverWasFound()
    {
        if (DriverPresent()) Assert.Skip("this machine has a CUDA driver");
        ModelSpec spec = GoldenModel.Load(GoldenModel.MaskRcnn);
        foreach (string device in new[] { "cuda", "cuda:1" })
        {
            var e = Assert.Throws<NotSupportedException>(() => Predictor.Create(spec, new PredictorOptions(device, 0, "fp16")));
            Assert.Contains($"device '{device}'", e.Message, StringComparison.Ordinal);
            Assert.Contains("no CUDA driver found: libcuda.so.1", e.Message, StringComparison.Ordinal);
            Assert.IsType<CudaException>(e.InnerException);
        }
    }

    [Theory]
    [InlineData("cuda:", "device 'cuda:'")]
    [InlineData("gpu", "device 'gpu'")]
    [InlineData("CUDA", "device 'CUDA'")]
    public void UnknownDevices_AreRefusedByName(string device, string expected)
    {
        ModelSpec spec = GoldenModel.Load(GoldenModel.MaskRcnn);
        Assert.Contains(expected, Assert.Throws<NotSupportedException>(() => Predictor.Create(spec, new PredictorOptions(device))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Precisions_AreCheckedPerDevice_BeforeAnyDeviceIsOpened()
    {
        ModelSpec spec = GoldenModel.Load(GoldenModel.MaskRcnn);
        Assert.Contains("'fp16' is not supported on the CPU",
            Assert.Throws<NotSupportedException>(() => Predictor.Create(spec, new PredictorOptions("cpu", 0, "fp16"))).Message, StringComparison.Ordinal);
        Assert.Contains("'int8' is not supported on CUDA",
            Assert.Throws<NotSupportedException>(() => Predictor.Create(spec, new PredictorOptions("cuda", 0, "int8"))).Message, StringComparison.Ordinal);
    }
}
