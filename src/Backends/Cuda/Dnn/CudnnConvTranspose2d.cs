using Detserve.Backends.Cpu;
using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Native.Handles;
using Detserve.Backends.Cuda.Ops;

namespace Detserve.Backends.Cuda.Dnn;

/// <summary>
/// torch.nn.ConvTranspose2d planned for a fixed input shape (the mask head's 2x2 stride-2 deconv): the data
/// gradient of the forward convolution whose weight is PyTorch's [Cin, Cout, kh, kw] (cudnnConvolutionBackwardData),
/// then bias (cudnnAddTensor) and ReLU (cudnnActivationForward) in place. Owns its descriptors; borrows the context.
/// Matches <see cref="ConvTranspose2d.Forward"/>.
/// </summary>
public sealed class CudnnConvTranspose2d : IDisposable
{
    private readonly CudnnContext _context;
    private readonly CudnnTensorDescriptorHandle _input, _output, _bias;
    private readonly CudnnFilterDescriptorHandle _w;
    private readonly CudnnConvolutionDescriptorHandle _conv;
    private readonly CudnnActivationDescriptorHandle _activation;
    private readonly int _algo;

    /// <summary>Plans the layer for input [batch, InChannels, height, width].</summary>
    public unsafe CudnnConvTranspose2d(CudnnContext context, ConvTranspose2dSpec spec, int batch, int height, int width, ConvPrecision precision, TensorLayout layout, bool hasBias,
        bool measureAlgorithm = false)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        DeviceShape.Positive("ConvTranspose2d", nameof(batch), batch);
        (OutHeight, OutWidth) = spec.OutputSize(height, width);
        Spec = spec;
        Batch = batch;
        Height = height;
        Width = width;
        Precision = precision;
        Layout = layout;
        HasBias = hasBias;
        string what = $"ConvTranspose2d {spec} on [{batch}, {spec.InChannels}, {height}, {width}] {precision} {layout}";
        var device = context.Device;
        device.MakeCurrent();
        int dt = CudnnDescriptors.DataType(precision);
        // In backward-data terms our input is dy (K = InChannels) and our output is dx (C = OutChannels).
        _input = CudnnDescriptors.Tensor(device, layout, dt, batch, spec.InChannels, height, width, what + " input");
        _output = CudnnDescriptors.Tensor(device, layout, dt, batch, spec.OutChannels, OutHeight, OutWidth, what + " output");
        _w = CudnnDescriptors.Filter(device, layout, dt, spec.InChannels, spec.OutChannels, spec.KernelH, spec.KernelW, what + " w");
        _conv = CudnnDescriptors.Convolution(device, spec.PadH, spec.PadW, spec.StrideH, spec.StrideW, 1, 1, 1, precision, what);
        _bias = CudnnDescriptors.Tensor(device, TensorLayout.Nchw, dt, 1, spec.OutChannels, 1, 1, what + " bias");
        _activation = CudnnDescriptors.Activation(device, relu: true, what);
        const int requested = 8;
        var results = stackalloc CuDnn.ConvolutionBwdDataAlgoPerf[requested];
        int returned;
        // measureAlgorithm: time the candidates on the device (cudnnFind..., as PyTorch's cudnn.benchmark) instead of the heuristic.
        if (measureAlgorithm)
            NativeStatus.Check(CuDnn.cudnnFindConvolutionBackwardDataAlgorithm(context.Handle.Raw, _w.Raw, _input.Raw, _conv.Raw, _output.Raw,
                requested, out returned, results), "cudnnFindConvolutionBackwardDataAlgorithm", what);
        else
            NativeStatus.Check(CuDnn.cudnnGetConvolutionBackwardDataAlgorithm_v7(context.Handle.Raw, _w.Raw, _input.Raw, _conv.Raw, _output.Raw,
                requested, out returned, results), "cudnnGetConvolutionBackwardDataAlgorithm_v7", what);
        _algo = -1;
        for (int i = 0; i < returned && _algo < 0; i++)
            if (results[i].Status == CudnnStatus.CUDNN_STATUS_SUCCESS && (long)results[i].Memory <= CudnnConv2d.MaxMeasuredWorkspaceBytes) _algo = results[i].Algo;
        if (_algo < 0) throw new CudaException($"{what}: cuDNN offers no backward-data algorithm ({returned} candidates, none usable)");
        NativeStatus.Check(CuDnn.cudnnGetConvolutionBackwardDataWorkspaceSize(context.Handle.Raw, _w.Raw, _input.Raw, _conv.Raw, _output.Raw, _algo, out nuint ws),
            "cudnnGetConvolutionBackwardDataWorkspaceSize", what);
        WorkspaceBytes = (long)ws;
    }

    /// <summary>Layer attributes.</summary>
    public ConvTranspose2dSpec Spec { get; }

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

    /// <summary>Layout.</summary>
    public TensorLayout Layout { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool HasBias { get; }

    /// <summary>Scratch needed by <see cref="Enqueue"/>.</summary>
    public long WorkspaceBytes { get; }

    /// <summary>output = relu?(conv_transpose2d(input, w) + bias); w is [Cin, Cout, kh, kw] (NCHW) or [Cin, kh, kw, Cout] (NHWC).</summary>
    public unsafe void Enqueue(DeviceBuffer input, DeviceBuffer w, DeviceBuffer? bias, DeviceBuffer output, DeviceBuffer? workspace, CudaStream stream)
    {
        const string op = "ConvTranspose2d";
        int eb = Precision == ConvPrecision.Fp16 ? 2 : 4;
        DeviceShape.Holds(op, nameof(input), input, (long)Batch * Spec.InChannels * Height * Width, eb);
        DeviceShape.Holds(op, nameof(w), w, Spec.WeightLength, eb);
        DeviceShape.Holds(op, nameof(output), output, (long)Batch * Spec.OutChannels * OutHeight * OutWidth, eb);
        if (HasBias) DeviceShape.Holds(op, nameof(bias), bias!, Spec.OutChannels, eb);
        if (WorkspaceBytes > 0) DeviceShape.Holds(op, nameof(workspace), workspace!, WorkspaceBytes, 1);
        nint h = _context.Bind(stream);
        float one = 1f, zero = 0f;
        string what = $"ConvTranspose2d {Spec} {Precision} {Layout} algo {_algo}";
        NativeStatus.Check(CuDnn.cudnnConvolutionBackwardData(h, &one, _w.Raw, w.Pointer, _input.Raw, input.Pointer, _conv.Raw, _algo,
            WorkspaceBytes > 0 ? workspace!.Pointer : 0, (nuint)WorkspaceBytes, &zero, _output.Raw, output.Pointer), "cudnnConvolutionBackwardData", what);
        if (HasBias)
            NativeStatus.Check(CuDnn.cudnnAddTensor(h, &one, _bias.Raw, bias!.Pointer, &one, _output.Raw, output.Pointer), "cudnnAddTensor", what);
        if (Spec.Relu)
            NativeStatus.Check(CuDnn.cudnnActivationForward(h, _activation.Raw, &one, _output.Raw, output.Pointer, &zero, _output.Raw, output.Pointer),
                "cudnnActivationForward", what);
    }

    /// <summary>Frees the descriptors in reverse order of creation.</summary>
    public void Dispose()
    {
        _activation.Dispose();
        _bias.Dispose();
        _conv.Dispose();
        _w.Dispose();
        _output.Dispose();
        _input.Dispose();
    }
}
