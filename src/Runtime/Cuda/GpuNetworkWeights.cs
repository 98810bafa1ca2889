using Detserve.Backends.Cuda;
using Detserve.Backends.Cuda.Dnn;
using Detserve.Graph;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// The parameters of one compiled <see cref="NetworkGraph"/> on the device, uploaded once and shared by every shape plan: per conv,
/// transposed conv and linear node its weight (FrozenBN already folded by the compiler) and bias, as float32 or float16. For NHWC
/// activations: conv filters in KRSC order, transposed-conv filters in (in, kh, kw, out) order (cuDNN's NHWC filter layouts) or, where
/// <see cref="DeconvAsGemm"/> applies, as its GEMM weight with the bias repeated per kernel tap, and a
/// linear layer on a spatial input gets its columns permuted from PyTorch's (c, y, x) flatten order to the (y, x, c) order an NHWC
/// tensor flattens in, so the product is unchanged. PyTorch's layouts otherwise. One allocation, carved per tensor. Owns it.
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
                case ConvTranspose2dAttributes a when DeconvAsGemm.Applies(a, half && layout == TensorLayout.Nhwc):
                    (hostWeights[node.Id], hostBias[node.Id]) = DeconvAsGemm.GemmWeights(a);
                    break;
                case ConvTranspose2dAttributes a:
                    if (layout == TensorLayout.Nhwc)
                    {
                        var krsc = new float[a.Weight.Length];
                        CudnnConv2d.KcrsToKrsc(a.Weight, a.InChannels, a.OutChannels, a.KernelH, a.KernelW, krsc);
                        hostWeights[node.Id] = krsc;
                    }
                    else
                    {
                        hostWeights[node.Id] = a.Weight;
                    }
                    hostBias[node.Id] = a.Bias;
                    break;
                case LinearAttributes a:
                {
                    NodeShape input = graph.Nodes[node.Inputs[0]].Shape;
                    bool spatial = input.Height != 1 || input.Width != 1;
                    if (layout == TensorLayout.Nhwc && spatial)
                    {
                        if (!input.IsStatic)
                            throw new NotSupportedException($"{node.Name}: a linear layer on a dynamic-size input {input} cannot be permuted for NHWC");
                        hostWeights[node.Id] = PermuteColumnsToChannelsLast(a.Weight, a.OutFeatures, input.Channels, input.Height * input.Width);
                    }
                    else
                    {
                        hostWeights[node.Id] = a.Weight;
                    }
                    hostBias[node.Id] = a.Bias;
                    break;
                }
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

    /// <summary>
    /// weight [rows, channels * plane] with columns in (c, p) order -> columns in (p, c) order: column p * channels + c of the result is
    /// column c * plane + p of the input (torch.flatten of NCHW vs NHWC).
    /// </summary>
    public static float[] PermuteColumnsToChannelsLast(ReadOnlySpan<float> weight, int rows, int channels, int plane)
    {
        int cols = channels * plane;
        if (weight.Length != (long)rows * cols)
            throw new ArgumentException($"weight of {weight.Length} values is not [{rows}, {channels} x {plane}]", nameof(weight));
        var result = new float[weight.Length];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> src = weight.Slice(r * cols, cols);
            Span<float> dst = result.AsSpan(r * cols, cols);
            for (int c = 0; c < channels; c++)
                for (int p = 0; p < plane; p++) dst[(p * channels) + c] = src[(c * plane) + p];
        }
        return result;
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
