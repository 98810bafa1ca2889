using Detserve.Backends.Cpu;
using Detserve.Backends.Cuda;
using Detserve.Backends.Cuda.Blas;
using Detserve.Backends.Cuda.Dnn;
using Detserve.Graph;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// One output layer of an FP16 network (a 1x1-or-larger conv or a linear layer on a [rows, features] input whose result is only a
/// graph output) computed in float32 from its float16 NHWC input: the input converted to float32 NCHW (exact), then a float32 cuDNN
/// conv (TF32 off) or a float32 cuBLASLt GEMM with float32 weights, writing float32 NCHW. Keeps the logits / deltas that box
/// inference and the mask sigmoid read from being rounded to half (GpuPrecisionStages.PredictorOutputs; on the golden Mask R-CNN
/// it changed nothing, bench/gpu/NOTES.md). Owns its op and its weight copy.
/// </summary>
internal sealed class GpuPrecisionFloatOutput : IDisposable
{
    private readonly CudnnConv2d? _conv;
    private readonly CublasLtLinear? _linear;
    private readonly DeviceBuffer _storage;
    private readonly DeviceBuffer _weight;
    private readonly DeviceBuffer? _bias;

    public GpuPrecisionFloatOutput(GpuContext gpu, Node node, int batch, (int C, int H, int W) input)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        ArgumentNullException.ThrowIfNull(node);
        InChannels = input.C;
        InPlane = (long)input.H * input.W;
        Batch = batch;
        float[] weight;
        float[]? bias;
        switch (node.Attributes)
        {
            case Conv2dAttributes a when node.Inputs.Count == 1:
            {
                var spec = new Conv2dSpec(a.InChannels, a.OutChannels, a.KernelH, a.KernelW, a.StrideH, a.StrideW, a.PadH, a.PadW,
                    a.Dilation, a.Dilation, a.Groups, a.Relu);
                _conv = new CudnnConv2d(gpu.Cudnn, spec, batch, input.H, input.W, ConvPrecision.Fp32, TensorLayout.Nchw, hasBias: a.Bias is not null, hasResidual: false);
                Shape = (a.OutChannels, _conv.OutHeight, _conv.OutWidth);
                WorkspaceBytes = _conv.WorkspaceBytes;
                (weight, bias) = (a.Weight, a.Bias);
                break;
            }
            case LinearAttributes a when InPlane == 1:
                _linear = new CublasLtLinear(gpu.CublasLt, batch, a.InFeatures, a.OutFeatures, GemmPrecision.Fp32, a.Bias is not null, a.Relu);
                Shape = (a.OutFeatures, 1, 1);
                WorkspaceBytes = _linear.WorkspaceBytes;
                (weight, bias) = (a.Weight, a.Bias);
                break;
            default:
                throw new NotSupportedException($"{node.Name}: only a single-input conv or a linear layer on a 1x1 input can run in float32 behind the FP16 network");
        }
        long weightBytes = BufferPlanner.Align(weight.Length * 4L, BufferPlanner.DefaultAlignment);
        _storage = gpu.Device.Allocate(weightBytes + (bias?.Length ?? 0) * 4L);
        try
        {
            _weight = _storage.Slice(0, weight.Length * 4L);
            _weight.Upload<float>(weight, gpu.Stream);
            if (bias is not null)
            {
                _bias = _storage.Slice(weightBytes, bias.Length * 4L);
                _bias.Upload<float>(bias, gpu.Stream);
            }
            gpu.Stream.Synchronize();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Batch { get; }

    public int InChannels { get; }

    public long InPlane { get; }

    /// <summary>(channels, height, width) per image of the float32 NCHW output.</summary>
    public (int C, int H, int W) Shape { get; }

    public long WorkspaceBytes { get; }

    /// <summary>Bytes of the float32 copy of the input.</summary>
    public long TempBytes => Batch * InChannels * InPlane * 4;

    /// <summary>Bytes of the float32 output.</summary>
    public long OutputBytes => (long)Batch * Shape.C * Shape.H * Shape.W * 4;

    /// <summary>float16 NHWC <paramref name="input"/> -> float32 NCHW <paramref name="temp"/> -> the float32 layer into <paramref name="output"/>.</summary>
    public void Enqueue(GpuContext gpu, DeviceBuffer input, DeviceBuffer temp, DeviceBuffer output, DeviceBuffer? workspace, CudaStream stream)
    {
        gpu.Convert.NhwcHalfToNchwFloat(input, Batch, InChannels, InPlane, temp, stream);
        if (_conv is not null) _conv.Enqueue(temp, _weight, _bias, null, output, workspace, stream);
        else _linear!.Enqueue(temp, _weight, _bias, output, workspace, stream);
    }

    public void Dispose()
    {
        _conv?.Dispose();
        _linear?.Dispose();
        _storage.Dispose();
    }
}
