using System.Runtime.InteropServices;

namespace Detserve.Backends.Cuda.Native;

/// <summary>
/// cuDNN 9 legacy convolution API (cudnn_ops.h, cudnn_cnn.h, cudnn_graph.h). libcudnn.so.9 is the shim that
/// exports these and loads its sub-libraries from its own folder.
/// </summary>
#pragma warning disable CA1707 // names mirror the cuDNN headers
internal static unsafe partial class CuDnn
{
    private const string Lib = CudaLibrary.CuDnn;

    // cudnnDataType_t
    public const int CUDNN_DATA_FLOAT = 0;
    public const int CUDNN_DATA_HALF = 2;
    // cudnnTensorFormat_t
    public const int CUDNN_TENSOR_NCHW = 0;
    public const int CUDNN_TENSOR_NHWC = 1;
    // cudnnConvolutionMode_t: Detectron2/PyTorch convolutions are cross-correlations.
    public const int CUDNN_CROSS_CORRELATION = 1;
    // cudnnMathType_t
    public const int CUDNN_DEFAULT_MATH = 0;
    public const int CUDNN_TENSOR_OP_MATH = 1;
    public const int CUDNN_FMA_MATH = 3;
    // cudnnActivationMode_t
    public const int CUDNN_ACTIVATION_RELU = 1;
    public const int CUDNN_ACTIVATION_IDENTITY = 5;
    // cudnnNanPropagation_t
    public const int CUDNN_PROPAGATE_NAN = 1;
    // cudnnConvolutionFwdAlgo_t
    public const int CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM = 1;

    /// <summary>cudnnConvolutionFwdAlgoPerf_t (cudnn_cnn.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ConvolutionFwdAlgoPerf
    {
        public int Algo;
        public CudnnStatus Status;
        public float Time;
        public nuint Memory;
        public int Determinism;
        public int MathType;
        public int Reserved0;
        public int Reserved1;
        public int Reserved2;
    }

    /// <summary>cudnnConvolutionBwdDataAlgoPerf_t (cudnn_cnn.h), same layout as the forward record.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ConvolutionBwdDataAlgoPerf
    {
        public int Algo;
        public CudnnStatus Status;
        public float Time;
        public nuint Memory;
        public int Determinism;
        public int MathType;
        public int Reserved0;
        public int Reserved1;
        public int Reserved2;
    }

    [LibraryImport(Lib)] public static partial nuint cudnnGetVersion();
    [LibraryImport(Lib)] public static partial CudnnStatus cudnnCreate(out nint handle);
    [LibraryImport(Lib)] public static partial CudnnStatus cudnnDestroy(nint handle);
    [LibraryImport(Lib)] public static partial CudnnStatus cudnnSetStream(nint handle, nint stream);

    [LibraryImport(Lib)] public static partial CudnnStatus cudnnCreateTensorDescriptor(out nint descriptor);
    [LibraryImport(Lib)] public static partial CudnnStatus cudnnDestroyTensorDescriptor(nint descriptor);
    [LibraryImport(Lib)] public static partial CudnnStatus cudnnSetTensor4dDescriptor(nint descriptor, int format, int dataType, int n, int c, int h, int w);

    [LibraryImport(Lib)] public static partial CudnnStatus cudnnCreateFilterDescriptor(out nint descriptor);
    [LibraryImport(Lib)] public static partial CudnnStatus cudnnDestroyFilterDescriptor(nint descriptor);
    // Note the argument order: data type before format, unlike the tensor descriptor.
    [LibraryImport(Lib)] public static partial CudnnStatus cudnnSetFilter4dDescriptor(nint descriptor, int dataType, int format, int k, int c, int h, int w);

    [LibraryImport(Lib)] public static partial CudnnStatus cudnnCreateConvolutionDescriptor(out nint descriptor);
    [LibraryImport(Lib)] public static partial CudnnStatus cudnnDestroyConvolutionDescriptor(nint descriptor);
    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnSetConvolution2dDescriptor(nint descriptor, int padH, int padW, int strideH, int strideW,
        int dilationH, int dilationW, int mode, int computeType);
    [LibraryImport(Lib)] public static partial CudnnStatus cudnnSetConvolutionMathType(nint descriptor, int mathType);
    [LibraryImport(Lib)] public static partial CudnnStatus cudnnSetConvolutionGroupCount(nint descriptor, int groupCount);
    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnGetConvolution2dForwardOutputDim(nint convolution, nint input, nint filter, out int n, out int c, out int h, out int w);

    [LibraryImport(Lib)] public static partial CudnnStatus cudnnCreateActivationDescriptor(out nint descriptor);
    [LibraryImport(Lib)] public static partial CudnnStatus cudnnDestroyActivationDescriptor(nint descriptor);
    [LibraryImport(Lib)] public static partial CudnnStatus cudnnSetActivationDescriptor(nint descriptor, int mode, int nanPropagation, double coefficient);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnGetConvolutionForwardAlgorithm_v7(nint handle, nint x, nint w, nint convolution, nint y,
        int requestedCount, out int returnedCount, ConvolutionFwdAlgoPerf* results);
    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnFindConvolutionForwardAlgorithm(nint handle, nint x, nint w, nint convolution, nint y,
        int requestedCount, out int returnedCount, ConvolutionFwdAlgoPerf* results);
    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnFindConvolutionBackwardDataAlgorithm(nint handle, nint w, nint dy, nint convolution, nint dx,
        int requestedCount, out int returnedCount, ConvolutionBwdDataAlgoPerf* results);
    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnGetConvolutionForwardWorkspaceSize(nint handle, nint x, nint w, nint convolution, nint y, int algo, out nuint bytes);
    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnConvolutionForward(nint handle, void* alpha, nint xDesc, ulong x, nint wDesc, ulong w, nint convolution,
        int algo, ulong workspace, nuint workspaceBytes, void* beta, nint yDesc, ulong y);
    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnConvolutionBiasActivationForward(nint handle, void* alpha1, nint xDesc, ulong x, nint wDesc, ulong w,
        nint convolution, int algo, ulong workspace, nuint workspaceBytes, void* alpha2, nint zDesc, ulong z, nint biasDesc, ulong bias,
        nint activation, nint yDesc, ulong y);
    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnAddTensor(nint handle, void* alpha, nint aDesc, ulong a, void* beta, nint cDesc, ulong c);
    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnActivationForward(nint handle, nint activation, void* alpha, nint xDesc, ulong x, void* beta, nint yDesc, ulong y);

    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnGetConvolutionBackwardDataAlgorithm_v7(nint handle, nint w, nint dy, nint convolution, nint dx,
        int requestedCount, out int returnedCount, ConvolutionBwdDataAlgoPerf* results);
    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnGetConvolutionBackwardDataWorkspaceSize(nint handle, nint w, nint dy, nint convolution, nint dx, int algo, out nuint bytes);
    [LibraryImport(Lib)]
    public static partial CudnnStatus cudnnConvolutionBackwardData(nint handle, void* alpha, nint wDesc, ulong w, nint dyDesc, ulong dy, nint convolution,
        int algo, ulong workspace, nuint workspaceBytes, void* beta, nint dxDesc, ulong dx);
}
#pragma warning restore CA1707
