using Detserve.Backends.Cuda;
using Detserve.Backends.Cuda.Dnn;
using Detserve.Graph;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// The parameters of one compiled <see cref="NetworkGraph"/> on the device, uploaded once and shared by every shape plan: per conv,
/// transposed conv and linear node its weight (FrozenBN already folded by the compiler) and bias, as float32 or float16; conv weights
/// in KRSC order for NHWC (cuDNN's NHWC filter layout), PyTorch's KCRS otherwise. One allocation, carved per tensor. Owns it.
/// </summary>
internal sealed class GpuNetworkWeights : IDisposable
{
    private readonly DeviceBuffer _storage;
    private readonly DeviceBuffer?[] _weight;
    private readonly DeviceBuffer?[] _bias;

    public GpuNetworkWeights(GpuContext gpu, NetworkGraph graph, bool half, TensorLayout layout)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        ArgumentNullException.ThrowIfNull(graph);
        int n = graph.Nodes.Count;
        var hostWeights = new float[]?[n];
        var hostBias = new float[]?[n];
        foreach (Node node in graph.Nodes)
        {
            switch (node.Attributes)
            {
                case Conv2dAttributes a:
                    if (layout == TensorLayout.Nhwc)
                    {
                        var krsc = new float[a.Weight.Length];
                        CudnnConv2d.KcrsToKrsc(a.Weight, a.OutChannels, a.InChannels / a.Groups, a.KernelH, a.KernelW, krsc);
                        hostWeights[node.Id] = krsc;
                    }
                    else
                    {
                        hostWeights[node.Id] = a.Weight;
                    }
                    hostBias[node.Id] = a.Bias;
                    break;
                case ConvTranspose2dAttributes a:
                    if (layout == TensorLayout.Nhwc)
                        throw new NotSupportedException($"{node.Name}: transposed convolutions run in NCHW on the GPU");
                    hostWeights[node.Id] = a.Weight;
                    hostBias[node.Id] = a.Bias;
                    break;
                case LinearAttributes a:
                    hostWeights[node.Id] = a.Weight;
                    hostBias[node.Id] = a.Bias;
                    break;
            }
        }
        int eb = half ? 2 : 4;
        var offsets = new List<(int Node, bool IsBias, long Offset, float[] Values)>();
        long total = 0;
        for (int i = 0; i < n; i++)
        {
            foreach ((float[]? values, bool isBias) in new[] { (hostWeights[i], false), (hostBias[i], true) })
            {
                if (values is null) continue;
                offsets.Add((i, isBias, total, values));
                total += BufferPlanner.Align((long)values.Length * eb, BufferPlanner.DefaultAlignment);
            }
        }
        SizeBytes = total;
        _storage = gpu.Device.Allocate(total);
        _weight = new DeviceBuffer?[n];
        _bias = new DeviceBuffer?[n];
        foreach ((int node, bool isBias, long offset, float[] values) in offsets)
        {
            DeviceBuffer slice = _storage.Slice(offset, (long)values.Length * eb);
            if (half)
            {
                var h = new Half[values.Length];
                for (int k = 0; k < h.Length; k++) h[k] = (Half)values[k];
                slice.Upload<Half>(h, gpu.Stream);
            }
            else
            {
                slice.Upload<float>(values, gpu.Stream);
            }
            if (isBias) _bias[node] = slice;
            else _weight[node] = slice;
        }
        gpu.Stream.Synchronize();
    }

    /// <summary>Device bytes held.</summary>
    public long SizeBytes { get; }

    /// <summary>The weight of node <paramref name="id"/>.</summary>
    public DeviceBuffer Weight(Node node) =>
        _weight[node.Id] ?? throw new InvalidOperationException($"{node.Name}: node {node.Id} has no weight on the device");

    /// <summary>The bias of node <paramref name="id"/>, or null.</summary>
    public DeviceBuffer? Bias(Node node) => _bias[node.Id];

    /// <summary>Frees the allocation.</summary>
    public void Dispose() => _storage.Dispose();
}
