using Detserve.Backends.Cuda;
using Detserve.Backends.Cuda.Blas;
using Detserve.Backends.Cuda.Dnn;
using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Nvrtc;
using Detserve.Backends.Cuda.Ops;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// One GPU as the detector uses it: the device (primary context), one stream, the NVRTC kernel library, the cuDNN and cuBLASLt
/// handles, and the stateless ops every plan shares. Owns all of them and frees them in reverse order of creation.
/// </summary>
internal sealed class GpuContext : IDisposable
{
    private GpuContext(CudaDevice device, CudaStream stream, KernelLibrary kernels, CudnnContext cudnn, CublasLtContext cublas)
    {
        Device = device;
        Stream = stream;
        Kernels = kernels;
        Cudnn = cudnn;
        CublasLt = cublas;
        PreprocessFloat = new PreprocessOp(kernels, outputHalf: false);
        Convert = new ConvertLayoutOp(kernels);
        MaxPool = new MaxPool2dOp(kernels);
        MaxPoolHalf = new MaxPool2dNhwcHalfOp(kernels);
        UpsampleAdd = new UpsampleNearestAddOp(kernels);
        UpsampleAddHalf = new UpsampleNearestAddNhwcHalfOp(kernels);
        GridAnchors = new GridAnchorsOp(kernels);
        RoiAlign = new RoiAlignOp(kernels);
        RoiBatch = new RoiBatchOp(kernels);
        MaskSelect = new MaskHeadSelectOp(kernels);
        Paste = new PasteMasksOp(kernels);
    }

    public CudaDevice Device { get; }

    public CudaStream Stream { get; }

    public KernelLibrary Kernels { get; }

    public CudnnContext Cudnn { get; }

    public CublasLtContext CublasLt { get; }

    public PreprocessOp PreprocessFloat { get; }

    public ConvertLayoutOp Convert { get; }

    public MaxPool2dOp MaxPool { get; }

    public MaxPool2dNhwcHalfOp MaxPoolHalf { get; }

    public UpsampleNearestAddOp UpsampleAdd { get; }

    public UpsampleNearestAddNhwcHalfOp UpsampleAddHalf { get; }

    public GridAnchorsOp GridAnchors { get; }

    public RoiAlignOp RoiAlign { get; }

    public RoiBatchOp RoiBatch { get; }

    public MaskHeadSelectOp MaskSelect { get; }

    public PasteMasksOp Paste { get; }

    /// <summary>
    /// Opens CUDA device <paramref name="ordinal"/>. Without a driver the device layer's <see cref="CudaException"/> ("no CUDA driver
    /// found: libcuda.so.1 ...") propagates.
    /// </summary>
    public static GpuContext Open(int ordinal, CudaLibraryOptions libraries, NvrtcCacheOptions cache)
    {
        CudaDevice device = CudaDevice.Open(ordinal, libraries);
        var owned = new Stack<IDisposable>();
        owned.Push(device);
        try
        {
            CudaStream stream = device.CreateStream();
            owned.Push(stream);
            var kernels = new KernelLibrary(device, cache);
            owned.Push(kernels);
            CudnnContext cudnn = CudnnContext.Create(device);
            owned.Push(cudnn);
            CublasLtContext cublas = CublasLtContext.Create(device);
            owned.Push(cublas);
            return new GpuContext(device, stream, kernels, cudnn, cublas);
        }
        catch
        {
            while (owned.Count > 0) owned.Pop().Dispose();
            throw;
        }
    }

    /// <summary>Waits for the stream, then frees the handles, the kernels, the stream and the device reference.</summary>
    public void Dispose()
    {
        Stream.Synchronize();
        CublasLt.Dispose();
        Cudnn.Dispose();
        Kernels.Dispose();
        Stream.Dispose();
        Device.Dispose();
    }
}
