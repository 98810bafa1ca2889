using Detserve.Backends.Cpu;
using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Native.Handles;
using Detserve.Backends.Cuda.Ops;

namespace Detserve.Backends.Cuda.Dnn;

/// <summary>
/// One convolution layer planned for a fixed input shape: output = relu?(conv(x) + bias + residual), through
/// cudnnConvolutionBiasActivationForward when there is a bias (bias, residual add and ReLU fused), else
/// cudnnConvolutionForward and an in-place activation. Owns its descriptors; borrows the context.
/// Matches <see cref="Conv2d.Forward"/> (float32) within summation-order noise.
/// </summary>
public sealed class CudnnConv2d : IDisposable
{
    private readonly CudnnContext _context;
    private readonly CudnnTensorDescriptorHandle _x, _y, _bias;
    private readonly CudnnFilterDescriptorHandle _w;
    private readonly CudnnConvolutionDescriptorHandle _conv;
    private readonly CudnnActivationDescriptorHandle _activation;
    private readonly int _algo;
    private readonly bool _measure;

    /// <summary>
    /// Plans the layer: descriptors, algorithm (cudnnGetConvolutionForwardAlgorithm_v7's heuristic, or with
    /// <paramref name="measureAlgorithm"/> the fastest that cudnnFindConvolutionForwardAlgorithm times on the device, as PyTorch's
    /// cudnn.benchmark) and workspace size.
    /// </summary>
    public CudnnConv2d(CudnnContext context, Conv2dSpec spec, int batch, int height, int width, ConvPrecision precision, TensorLayout layout,
        bool hasBias, bool hasResidual, bool measureAlgorithm = false)
    {
        _measure = measureAlgorithm;
        _context = context ?? throw new ArgumentNullException(nameof(context));
        const string op = "Conv2d";
        DeviceShape.Positive(op, nameof(batch), batch);
        (OutHeight, OutWidth) = spec.OutputSize(height, width);
        if (hasResidual && !hasBias)
            throw new ShapeException(op, nameof(hasResidual), "a bias when a residual is fused (cudnnConvolutionBiasActivationForward)", "no bias");
        Spec = spec;
        Batch = batch;
        Height = height;
        Width = width;
        Precision = precision;
        Layout = layout;
        HasBias = hasBias;
        HasResidual = hasResidual;
        string what = $"Conv2d {spec} on [{batch}, {spec.InChannels}, {height}, {width}] {precision} {layout}";
        var device = context.Device;
        device.MakeCurrent();
        int dt = CudnnDescriptors.DataType(precision);
        _x = CudnnDescriptors.Tensor(device, layout, dt, batch, spec.InChannels, height, width, what + " x");
        _w = CudnnDescriptors.Filter(device, layout, dt, spec.OutChannels, spec.InChannels / spec.Groups, spec.KernelH, spec.KernelW, what + " w");
        _conv = CudnnDescriptors.Convolution(device, spec.PadH, spec.PadW, spec.StrideH, spec.StrideW, spec.DilationH, spec.DilationW, spec.Groups, precision, what);
        NativeStatus.Check(CuDnn.cudnnGetConvolution2dForwardOutputDim(_conv.Raw, _x.Raw, _w.Raw, out int n, out int c, out int h, out int w),
            "cudnnGetConvolution2dForwardOutputDim", what);
        if (n != batch || c != spec.OutChannels || h != OutHeight || w != OutWidth)
            throw new CudaException($"{what}: cuDNN's output [{n}, {c}, {h}, {w}] differs from PyTorch's [{batch}, {spec.OutChannels}, {OutHeight}, {OutWidth}]");
        _y = CudnnDescriptors.Tensor(device, layout, dt, batch, spec.OutChannels, OutHeight, OutWidth, what + " y");
        _bias = CudnnDescriptors.Tensor(device, TensorLayout.Nchw, dt, 1, spec.OutChannels, 1, 1, what + " bias");
        _activation = CudnnDescriptors.Activation(device, spec.Relu, what);
        _algo = ChooseAlgorithm(what);
        NativeStatus.Check(CuDnn.cudnnGetConvolutionForwardWorkspaceSize(context.Handle.Raw, _x.Raw, _w.Raw, _conv.Raw, _y.Raw, _algo, out nuint ws),
            "cudnnGetConvolutionForwardWorkspaceSize", what);
        WorkspaceBytes = (long)ws;
    }

    /// <summary>Layer attributes.</summary>
    public Conv2dSpec Spec { get; }

    /// <summary>Planned batch.</summary>
    public int Batch { get; }

    /// <summary>Planned input height.</summary>
    public int Height { get; }

    /// <summary>Planned input width.</summary>
    public int Width { get; }

    /// <summary>Output height.</summary>
    public int OutHeight { get; }

    /// <summary>Output width.</summary>
    public int OutWidth { get; }

    /// <summary>Data type and math mode.</summary>
    public ConvPrecision Precision { get; }

    /// <summary>Activation / filter layout.</summary>
    public TensorLayout Layout { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool HasBias { get; }

    /// <summary>Whether a residual tensor is added before the ReLU.</summary>
    public bool HasResidual { get; }

    /// <summary>cudnnConvolutionFwdAlgo_t chosen.</summary>
    public int Algorithm => _algo;

    /// <summary>Scratch the caller must pass to <see cref="Enqueue"/> (declared up front so the planner can carve it).</summary>
    public long WorkspaceBytes { get; }

    /// <summary>Largest workspace an algorithm may need to be chosen (FFT algorithms can ask for gigabytes).</summary>
    public const long MaxMeasuredWorkspaceBytes = 512L << 20;

    private int ElementBytes => Precision == ConvPrecision.Fp16 ? 2 : 4;

    private unsafe int ChooseAlgorithm(string what)
    {
        // cudnnConvolutionBiasActivationForward runs an identity activation only with IMPLICIT_PRECOMP_GEMM (cuDNN API reference).
        if (HasBias && !Spec.Relu) return CuDnn.CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM;
        const int requested = 8;
        var results = stackalloc CuDnn.ConvolutionFwdAlgoPerf[requested];
        int returned;
        if (_measure)
            NativeStatus.Check(CuDnn.cudnnFindConvolutionForwardAlgorithm(_context.Handle.Raw, _x.Raw, _w.Raw, _conv.Raw, _y.Raw,
                requested, out returned, results), "cudnnFindConvolutionForwardAlgorithm", what);
        else
            NativeStatus.Check(CuDnn.cudnnGetConvolutionForwardAlgorithm_v7(_context.Handle.Raw, _x.Raw, _w.Raw, _conv.Raw, _y.Raw,
                requested, out returned, results), "cudnnGetConvolutionForwardAlgorithm_v7", what);
        // Results come fastest (or most likely fastest) first; skip any whose workspace would be unreasonable for one layer.
        for (int i = 0; i < returned; i++)
            if (results[i].Status == CudnnStatus.CUDNN_STATUS_SUCCESS && (long)results[i].Memory <= MaxMeasuredWorkspaceBytes) return results[i].Algo;
        throw new CudaException($"{what}: cuDNN offers no forward algorithm ({returned} candidates, none usable)");
    }

    /// <summary>
    /// y = relu?(conv(x, w) + bias + residual). x, w, y (and bias, residual) in this layer's precision and layout;
    /// w is KCRS for NCHW and KRSC for NHWC. <paramref name="workspace"/> holds at least <see cref="WorkspaceBytes"/>
    /// (null when that is 0). y must not overlap x; residual may be y itself.
    /// </summary>
    public unsafe void Enqueue(DeviceBuffer x, DeviceBuffer w, DeviceBuffer? bias, DeviceBuffer? residual, DeviceBuffer y,
        DeviceBuffer? workspace, CudaStream stream)
    {
        const string op = "Conv2d";
        int eb = ElementBytes;
        DeviceShape.Holds(op, nameof(x), x, (long)Batch * Spec.InChannels * Height * Width, eb);
        DeviceShape.Holds(op, nameof(w), w, Spec.WeightLength, eb);
        DeviceShape.Holds(op, nameof(y), y, (long)Batch * Spec.OutChannels * OutHeight * OutWidth, eb);
        if (HasBias) DeviceShape.Holds(op, nameof(bias), bias!, Spec.OutChannels, eb);
        if (HasResidual) DeviceShape.Holds(op, nameof(residual), residual!, (long)Batch * Spec.OutChannels * OutHeight * OutWidth, eb);
        if (WorkspaceBytes > 0) DeviceShape.Holds(op, nameof(workspace), workspace!, WorkspaceBytes, 1);
        nint h = _context.Bind(stream);
        ulong wsPtr = WorkspaceBytes > 0 ? workspace!.Pointer : 0;
        float one = 1f, zero = 0f;
        string what = $"Conv2d {Spec} {Precision} {Layout} algo {_algo}";
        if (HasBias)
        {
            float alpha2 = HasResidual ? 1f : 0f;
            ulong z = HasResidual ? residual!.Pointer : y.Pointer;
            NativeStatus.Check(CuDnn.cudnnConvolutionBiasActivationForward(h, &one, _x.Raw, x.Pointer, _w.Raw, w.Pointer, _conv.Raw, _algo,
                wsPtr, (nuint)WorkspaceBytes, &alpha2, _y.Raw, z, _bias.Raw, bias!.Pointer, _activation.Raw, _y.Raw, y.Pointer),
                "cudnnConvolutionBiasActivationForward", what);
            return;
        }
        NativeStatus.Check(CuDnn.cudnnConvolutionForward(h, &one, _x.Raw, x.Pointer, _w.Raw, w.Pointer, _conv.Raw, _algo,
            wsPtr, (nuint)WorkspaceBytes, &zero, _y.Raw, y.Pointer), "cudnnConvolutionForward", what);
        if (Spec.Relu)
            NativeStatus.Check(CuDnn.cudnnActivationForward(h, _activation.Raw, &one, _y.Raw, y.Pointer, &zero, _y.Raw, y.Pointer),
                "cudnnActivationForward", what);
    }

    /// <summary>Reorders a PyTorch weight [K, C, R, S] to [K, R, S, C] for <see cref="TensorLayout.Nhwc"/>.</summary>
    public static void KcrsToKrsc(ReadOnlySpan<float> kcrs, int k, int c, int r, int s, Span<float> krsc)
    {
        DeviceShape.Length("Conv2d", nameof(kcrs), (long)k * c * r * s, kcrs.Length);
        DeviceShape.Length("Conv2d", nameof(krsc), (long)k * c * r * s, krsc.Length);
        for (int ki = 0; ki < k; ki++)
            for (int ci = 0; ci < c; ci++)
                for (int ri = 0; ri < r; ri++)
                    for (int si = 0; si < s; si++)
                        krsc[(((ki * r) + ri) * s + si) * c + ci] = kcrs[(((ki * c) + ci) * r + ri) * s + si];
    }

    /// <summary>Frees the descriptors in reverse order of creation.</summary>
    public void Dispose()
    {
        _activation.Dispose();
        _bias.Dispose();
        _y.Dispose();
        _conv.Dispose();
        _w.Dispose();
        _x.Dispose();
    }
}
