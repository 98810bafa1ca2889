using Detserve.Backends.Cpu;
using Detserve.Backends.Cuda;
using Detserve.Backends.Cuda.Blas;
using Detserve.Backends.Cuda.Dnn;
using Detserve.Graph;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// A compiled <see cref="NetworkGraph"/> on the GPU for one batch size and input size: one backend op per node made once (cuDNN
/// conv with the fused bias + residual + ReLU, cuDNN transposed conv, cuBLASLt linear with its epilogue, our max-pool and
/// upsample-add kernels), every node output placed by <see cref="BufferPlanner"/> in one arena from the node order (a tensor is
/// alive from its producer to its last reader; graph inputs and outputs for the whole run). The GPU twin of the CPU NetworkRunner.
/// Owns its op objects; borrows the context, the weights and the arena it is bound to.
/// </summary>
internal sealed class GpuNetworkRunner : IDisposable
{
    private readonly GpuContext _gpu;
    private readonly NetworkGraph _graph;
    private readonly GpuNetworkWeights _weights;
    private readonly (int C, int H, int W)[] _shapes;
    private readonly object?[] _ops;
    private readonly long[] _offsets;
    private readonly long[] _sizes;
    private readonly DeviceBuffer?[] _values;
    private readonly int[] _temp;
    private readonly HashSet<int> _skipped = [];

    public GpuNetworkRunner(GpuContext gpu, NetworkGraph graph, GpuNetworkWeights weights, int batch, int height, int width,
        GpuPrecision precision, TensorLayout layout, bool measureAlgorithms = false, bool tf32Gemm = false, IReadOnlySet<string>? floatOutputs = null,
        IReadOnlySet<string>? callerOutputs = null)
    {
        _gpu = gpu ?? throw new ArgumentNullException(nameof(gpu));
        _graph = graph ?? throw new ArgumentNullException(nameof(graph));
        _weights = weights ?? throw new ArgumentNullException(nameof(weights));
        Batch = batch;
        Half = precision == GpuPrecision.Fp16;
        Layout = layout;
        ElementBytes = Half ? 2 : 4;
        ConvPrecision conv = precision switch { GpuPrecision.Fp16 => ConvPrecision.Fp16, GpuPrecision.Fp32 => ConvPrecision.Tf32, _ => ConvPrecision.Fp32 };
        // tf32Gemm: a float32 head behind the FP16 network may take its GEMMs on TF32 tensor cores (GpuPrecisionStages.Tf32Gemm).
        GemmPrecision gemm = Half ? GemmPrecision.Fp16 : tf32Gemm ? GemmPrecision.Tf32 : GemmPrecision.Fp32;
        int n = graph.Nodes.Count;
        _shapes = new (int, int, int)[n];
        _ops = new object?[n];
        var lastUse = new int[n];
        foreach (Node node in graph.Nodes)
            foreach (int input in node.Inputs) lastUse[input] = Math.Max(lastUse[input], node.Id);
        foreach (int id in graph.Outputs.Values) lastUse[id] = n;
        // Graph outputs computed in float32 behind an FP16 NHWC network (GpuPrecisionFloatOutput): only layers nothing else reads.
        var floatIds = new HashSet<int>();
        foreach (string name in floatOutputs ?? new HashSet<string>())
        {
            if (!Half || layout != TensorLayout.Nhwc)
                throw new NotSupportedException($"{name}: float32 outputs are only made behind an FP16 NHWC network");
            int id = graph.Output(name).Id;
            if (graph.Nodes.Any(node => node.Inputs.Contains(id)))
                throw new NotSupportedException($"{name}: node {id} is read by other nodes, so it cannot be computed in float32 alone");
            floatIds.Add(id);
        }
        // Graph outputs the caller computes itself from the node's input (the FP16 plan's float32 RPN outputs, RpnHeadOutputsOp):
        // the node is not run, and its input stays alive to the end of the run.
        var callerIds = new HashSet<int>();
        foreach (string name in callerOutputs ?? new HashSet<string>())
        {
            Node node = graph.Output(name);
            if (node.Attributes is not Conv2dAttributes || node.Inputs.Count != 1 || graph.Nodes.Any(other => other.Inputs.Contains(node.Id)))
                throw new NotSupportedException($"{name}: only a single-input conv that no node reads can be left to the caller");
            callerIds.Add(node.Id);
            lastUse[node.Inputs[0]] = n;
        }
        try
        {
            foreach (Node node in graph.Nodes)
            {
                (int C, int H, int W) In(int k) => _shapes[node.Inputs[k]];
                if (callerIds.Contains(node.Id))
                {
                    var c = (Conv2dAttributes)node.Attributes;
                    var x = In(0);
                    (int h, int w) = c.OutputSize(x.H, x.W);
                    _shapes[node.Id] = (c.OutChannels, h, w);
                    _skipped.Add(node.Id);
                    continue;
                }
                if (floatIds.Contains(node.Id))
                {
                    var op = new GpuPrecisionFloatOutput(gpu, node, batch, In(0));
                    _ops[node.Id] = op;
                    _shapes[node.Id] = op.Shape;
                    WorkspaceBytes = Math.Max(WorkspaceBytes, op.WorkspaceBytes);
                    continue;
                }
                switch (node.Attributes)
                {
                    case InputAttributes:
                        _shapes[node.Id] = (node.Shape.Channels, node.Shape.IsStatic ? node.Shape.Height : height, node.Shape.IsStatic ? node.Shape.Width : width);
                        lastUse[node.Id] = Math.Max(lastUse[node.Id], 0);
                        break;
                    case Conv2dAttributes a:
                    {
                        var x = In(0);
                        var spec = new Conv2dSpec(a.InChannels, a.OutChannels, a.KernelH, a.KernelW, a.StrideH, a.StrideW, a.PadH, a.PadW,
                            a.Dilation, a.Dilation, a.Groups, a.Relu);
                        var op = new CudnnConv2d(gpu.Cudnn, spec, batch, x.H, x.W, conv, layout, hasBias: a.Bias is not null, hasResidual: node.Inputs.Count > 1,
                            measureAlgorithm: measureAlgorithms);
                        _ops[node.Id] = op;
                        _shapes[node.Id] = (a.OutChannels, op.OutHeight, op.OutWidth);
                        WorkspaceBytes = Math.Max(WorkspaceBytes, op.WorkspaceBytes);
                        break;
                    }
                    case ConvTranspose2dAttributes a when DeconvAsGemm.Applies(a, Half && layout == TensorLayout.Nhwc):
                    {
                        var x = In(0);
                        var linear = new CublasLtLinear(gpu.CublasLt, batch * x.H * x.W, a.InChannels, a.KernelH * a.KernelW * a.OutChannels, gemm,
                            a.Bias is not null, a.Relu);
                        var op = new DeconvAsGemm(linear, x.H, x.W, a);
                        _ops[node.Id] = op;
                        (int h, int w) = a.OutputSize(x.H, x.W);
                        _shapes[node.Id] = (a.OutChannels, h, w);
                        WorkspaceBytes = Math.Max(WorkspaceBytes, linear.WorkspaceBytes);
                        break;
                    }
                    case ConvTranspose2dAttributes a:
                    {
                        var x = In(0);
                        var spec = new ConvTranspose2dSpec(a.InChannels, a.OutChannels, a.KernelH, a.KernelW, a.StrideH, a.StrideW, a.PadH, a.PadW, a.Relu);
                        var op = new CudnnConvTranspose2d(gpu.Cudnn, spec, batch, x.H, x.W, conv, layout, hasBias: a.Bias is not null, measureAlgorithms);
                        _ops[node.Id] = op;
                        _shapes[node.Id] = (a.OutChannels, op.OutHeight, op.OutWidth);
                        WorkspaceBytes = Math.Max(WorkspaceBytes, op.WorkspaceBytes);
                        break;
                    }
                    case LinearAttributes a:
                    {
                        var x = In(0);
                        if ((long)x.C * x.H * x.W != a.InFeatures)
                            throw new InvalidOperationException($"{node.Name}: input [{x.C}, {x.H}, {x.W}] does not flatten to {a.InFeatures} features");
                        // On a spatial NHWC input the rows flatten in (y, x, c) order; GpuNetworkWeights permuted the weight's columns to match.
                        var op = new CublasLtLinear(gpu.CublasLt, batch, a.InFeatures, a.OutFeatures, gemm, a.Bias is not null, a.Relu);
                        _ops[node.Id] = op;
                        _shapes[node.Id] = (a.OutFeatures, 1, 1);
                        WorkspaceBytes = Math.Max(WorkspaceBytes, op.WorkspaceBytes);
                        break;
                    }
                    case MaxPool2dAttributes a:
                    {
                        var x = In(0);
                        (int h, int w) = a.OutputSize(x.H, x.W);
                        _shapes[node.Id] = (x.C, h, w);
                        break;
                    }
                    case NoAttributes when node.Op == OpKind.Relu:
                        // A ReLU the compiler could not fuse (RetinaNet's LastLevelP6P7 relu(p6): p6 also feeds the head).
                        _ops[node.Id] = new Backends.Cuda.Ops.RetinaNetReluOp(gpu.Kernels);
                        _shapes[node.Id] = In(0);
                        break;
                    case NoAttributes when node.Op == OpKind.UpsampleNearest2xAdd:
                    {
                        var top = In(0);
                        var lateral = In(1);
                        if (lateral.H != 2 * top.H || lateral.W != 2 * top.W || lateral.C != top.C)
                            throw new InvalidOperationException($"{node.Name}: lateral {lateral} is not twice the top-down {top}");
                        _shapes[node.Id] = lateral;
                        break;
                    }
                    default:
                        throw new NotSupportedException($"{node.Name}: the GPU runner has no kernel for op {node.Op} (the compiler fuses it away in the zoo models)");
                }
            }
        }
        catch
        {
            DisposeOps();
            throw;
        }
        // One tensor per node output, then one temporary per node that needs scratch for its own step (DeconvAsGemm's GEMM output).
        var sizes = new List<long>();
        var requests = new List<BufferRequest>();
        foreach (Node node in graph.Nodes)
        {
            var s = _shapes[node.Id];
            sizes.Add(_skipped.Contains(node.Id) ? 0 : (long)batch * s.C * s.H * s.W * (_ops[node.Id] is GpuPrecisionFloatOutput ? 4 : ElementBytes));
            requests.Add(new BufferRequest(sizes[^1], node.Op == OpKind.Input ? 0 : node.Id, lastUse[node.Id]));
        }
        _temp = new int[n];
        Array.Fill(_temp, -1);
        foreach (Node node in graph.Nodes)
        {
            long temp = _ops[node.Id] switch { DeconvAsGemm d => d.TempBytes(ElementBytes), GpuPrecisionFloatOutput f => f.TempBytes, _ => -1 };
            if (temp < 0) continue;
            _temp[node.Id] = sizes.Count;
            sizes.Add(temp);
            requests.Add(new BufferRequest(sizes[^1], node.Id, node.Id));
        }
        _sizes = sizes.ToArray();
        (_offsets, ArenaBytes) = BufferPlanner.Plan(requests);
        _values = new DeviceBuffer?[_sizes.Length];
    }

    /// <summary>Images (or ROI rows) per run.</summary>
    public int Batch { get; }

    /// <summary>True for float16 storage.</summary>
    public bool Half { get; }

    /// <summary>Activation layout.</summary>
    public TensorLayout Layout { get; }

    /// <summary>Bytes per activation element.</summary>
    public int ElementBytes { get; }

    /// <summary>Bytes of the activation arena <see cref="Bind"/> needs.</summary>
    public long ArenaBytes { get; }

    /// <summary>The largest cuDNN / cuBLASLt workspace of any node (one shared workspace serves all, the stream orders them).</summary>
    public long WorkspaceBytes { get; }

    /// <summary>Carves every node's output from <paramref name="arena"/> (borrowed; at least <see cref="ArenaBytes"/>).</summary>
    public void Bind(DeviceBuffer arena)
    {
        ArgumentNullException.ThrowIfNull(arena);
        if (arena.SizeBytes < ArenaBytes)
            throw new ArgumentException($"arena of {arena.SizeBytes} bytes is smaller than the {ArenaBytes} the plan needs", nameof(arena));
        for (int i = 0; i < _values.Length; i++) _values[i] = arena.Slice(_offsets[i], _sizes[i]);
    }

    /// <summary>(channels, height, width) per image of graph output or input <paramref name="name"/>.</summary>
    public (int C, int H, int W) Shape(string name) => _shapes[Id(name)];

    /// <summary>The device tensor of graph input <paramref name="name"/> ([batch, C, H, W] or [batch, H, W, C]); the caller fills it.</summary>
    public DeviceBuffer Input(string name) =>
        _graph.Inputs.TryGetValue(name, out int id) ? Value(id) : throw new KeyNotFoundException($"graph has no input '{name}'");

    /// <summary>The device tensor of graph output <paramref name="name"/>.</summary>
    public DeviceBuffer Output(string name) => Value(_graph.Output(name).Id);

    /// <summary>True when graph output <paramref name="name"/> is float32 NCHW (computed by a GpuPrecisionFloatOutput) in an FP16 runner.</summary>
    public bool IsFloatOutput(string name) => _ops[_graph.Output(name).Id] is GpuPrecisionFloatOutput;

    /// <summary>The device tensor that graph output <paramref name="name"/> (left to the caller) reads, and its shape per image.</summary>
    public (DeviceBuffer Buffer, (int C, int H, int W) Shape) InputOf(string name)
    {
        Node node = _graph.Output(name);
        return (Value(node.Inputs[0]), _shapes[node.Inputs[0]]);
    }

    private int Id(string name) => _graph.Inputs.TryGetValue(name, out int id) ? id : _graph.Output(name).Id;

    private DeviceBuffer Value(int id) => _values[id] ?? throw new InvalidOperationException("the runner is not bound to an arena");

    /// <summary>
    /// Queues every node in order on <paramref name="stream"/>; no host synchronisation. <paramref name="mark"/> (profiling passes only)
    /// is called with each node's name after it is queued.
    /// </summary>
    public void Enqueue(DeviceBuffer? workspace, CudaStream stream, Action<string>? mark = null)
    {
        foreach (Node node in _graph.Nodes)
        {
            if (_skipped.Contains(node.Id)) continue;
            DeviceBuffer y = Value(node.Id);
            DeviceBuffer X(int k) => Value(node.Inputs[k]);
            switch (_ops[node.Id])
            {
                case CudnnConv2d conv:
                    conv.Enqueue(X(0), _weights.Weight(node), _weights.Bias(node), node.Inputs.Count > 1 ? X(1) : null, y, workspace, stream);
                    break;
                case CudnnConvTranspose2d deconv:
                    deconv.Enqueue(X(0), _weights.Weight(node), _weights.Bias(node), y, workspace, stream);
                    break;
                case CublasLtLinear linear:
                    linear.Enqueue(X(0), _weights.Weight(node), _weights.Bias(node), y, workspace, stream);
                    break;
                case Backends.Cuda.Ops.RetinaNetReluOp relu:
                {
                    var s = _shapes[node.Id];
                    relu.Enqueue(X(0), (long)Batch * s.C * s.H * s.W, Half, y, stream);
                    break;
                }
                case GpuPrecisionFloatOutput f:
                    f.Enqueue(_gpu, X(0), Value(_temp[node.Id]), y, workspace, stream);
                    break;
                case DeconvAsGemm d:
                {
                    DeviceBuffer temp = Value(_temp[node.Id]);
                    d.Linear.Enqueue(X(0), _weights.Weight(node), _weights.Bias(node), temp, workspace, stream);
                    _gpu.Convert.DepthToSpaceNhwcHalf(temp, Batch, d.Height, d.Width, d.Attributes.KernelH, d.Attributes.KernelW, d.Attributes.OutChannels, y, stream);
                    break;
                }
                default:
                    EnqueueKernel(node, y, X, stream);
                    break;
            }
            if (node.Op != OpKind.Input) mark?.Invoke(node.Name);
        }
    }

    private void EnqueueKernel(Node node, DeviceBuffer y, Func<int, DeviceBuffer> x, CudaStream stream)
    {
        switch (node.Attributes)
        {
            case InputAttributes:
                return;
            case MaxPool2dAttributes a:
            {
                var s = _shapes[node.Inputs[0]];
                RequireNhwcForHalf(node);
                if (Half) _gpu.MaxPoolHalf.Enqueue(x(0), Batch, s.C, s.H, s.W, a.Kernel, a.Stride, a.Pad, y, stream);
                else _gpu.MaxPool.Enqueue(x(0), Batch, s.C, s.H, s.W, a.Kernel, a.Stride, a.Pad, y, stream);
                return;
            }
            case NoAttributes when node.Op == OpKind.UpsampleNearest2xAdd:
            {
                var s = _shapes[node.Inputs[0]];
                RequireNhwcForHalf(node);
                if (Half) _gpu.UpsampleAddHalf.Enqueue(x(0), x(1), Batch, s.C, s.H, s.W, y, stream);
                else _gpu.UpsampleAdd.Enqueue(x(0), x(1), Batch, s.C, s.H, s.W, y, stream);
                return;
            }
            default:
                throw new NotSupportedException($"{node.Name}: the GPU runner has no kernel for op {node.Op}");
        }
    }

    private void RequireNhwcForHalf(Node node)
    {
        if (Half && Layout != TensorLayout.Nhwc)
            throw new NotSupportedException($"{node.Name}: the float16 {node.Op} kernel reads NHWC only");
    }

    /// <summary>Frees the cuDNN / cuBLASLt descriptors of every node.</summary>
    public void Dispose() => DisposeOps();

    private void DisposeOps()
    {
        for (int i = _ops.Length - 1; i >= 0; i--)
            if (_ops[i] is IDisposable d) d.Dispose();
    }
}
