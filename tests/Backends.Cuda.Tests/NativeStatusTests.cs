using Detserve.Backends.Cuda.Native;

namespace Detserve.Backends.Cuda.Tests;

public sealed class NativeStatusTests
{
    [Fact]
    public void Check_Success_DoesNotThrow()
    {
        NativeStatus.Check(CudaResult.CUDA_SUCCESS, "cuInit");
        NativeStatus.Check(NvrtcResult.NVRTC_SUCCESS, "nvrtcCompileProgram");
        NativeStatus.Check(CudnnStatus.CUDNN_STATUS_SUCCESS, "cudnnCreate");
        NativeStatus.Check(CublasStatus.CUBLAS_STATUS_SUCCESS, "cublasLtCreate");
        NativeStatus.Check(NvJpegStatus.NVJPEG_STATUS_SUCCESS, "nvjpegDecode");
    }

    [Fact]
    public void Check_DriverError_NamesApiStatusAndContext()
    {
        var e = Assert.Throws<CudaException>(() => NativeStatus.Check(CudaResult.CUDA_ERROR_INVALID_PTX, "cuModuleLoadData", "roi_align.cu (1234 bytes)"));
        Assert.Equal("cuModuleLoadData", e.Api);
        Assert.Equal("CUDA_ERROR_INVALID_PTX", e.Status);
        Assert.Equal(218, e.StatusCode);
        Assert.Equal("roi_align.cu (1234 bytes)", e.Context);
        Assert.Equal("cuModuleLoadData failed with CUDA_ERROR_INVALID_PTX (218) [roi_align.cu (1234 bytes)]", e.Message);
    }

    [Fact]
    public void Check_NvrtcError_AppendsTheCompileLog()
    {
        var e = Assert.Throws<CudaException>(() => NativeStatus.Check(NvrtcResult.NVRTC_ERROR_COMPILATION, "nvrtcCompileProgram", "nms.cu", "nms.cu(3): error: identifier \"x\" is undefined"));
        Assert.Equal("NVRTC_ERROR_COMPILATION", e.Status);
        Assert.EndsWith("nms.cu(3): error: identifier \"x\" is undefined", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2000, "CUDNN_STATUS_BAD_PARAM")]
    [InlineData(3002, "CUDNN_STATUS_NOT_SUPPORTED_SHAPE")]
    [InlineData(5000, "CUDNN_STATUS_EXECUTION_FAILED")]
    public void Check_CudnnError_UsesTheHeaderName(int code, string name)
    {
        var e = Assert.Throws<CudaException>(() => NativeStatus.Check((CudnnStatus)code, "cudnnConvolutionForward"));
        Assert.Equal(name, e.Status);
        Assert.Equal(code, e.StatusCode);
        Assert.Null(e.Context);
    }

    [Fact]
    public void Check_UnknownStatus_SaysSoWithTheNumber()
    {
        var e = Assert.Throws<CudaException>(() => NativeStatus.Check((CublasStatus)4242, "cublasLtMatmul"));
        Assert.Equal("UNKNOWN_STATUS_4242", e.Status);
        e = Assert.Throws<CudaException>(() => NativeStatus.Check((NvJpegStatus)77, "nvjpegDecode"));
        Assert.Equal("UNKNOWN_STATUS_77", e.Status);
    }
}
