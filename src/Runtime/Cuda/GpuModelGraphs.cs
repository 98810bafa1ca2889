using Detserve.Backends.Cuda.Dnn;
using Detserve.Graph;
using Detserve.Graph.Compile;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// The compiled graphs of a GeneralizedRCNN (dense, box head, mask head) and their weights on the device in the precision and layout
/// the runners use (<see cref="Layout"/>: NHWC for FP16, NCHW otherwise). Shared by every shape plan. Owns the weights.
/// </summary>
internal sealed class GpuModelGraphs : IDisposable
{
    public GpuModelGraphs(GpuContext gpu, ModelGraph model, GpuPrecision precision)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        ArgumentNullException.ThrowIfNull(model);
        bool half = precision == GpuPrecision.Fp16;
        Dense = GraphCompiler.Compile(model.Dense);
        BoxHead = GraphCompiler.Compile(model.BoxHead ?? throw new NotSupportedException("GeneralizedRCNN without a box head"));
        MaskHead = model.MaskHead is null ? null : GraphCompiler.Compile(model.MaskHead);
        Layout = half ? TensorLayout.Nhwc : TensorLayout.Nchw;
        DenseWeights = new GpuNetworkWeights(gpu, Dense, half, Layout);
        try
        {
            BoxWeights = new GpuNetworkWeights(gpu, BoxHead, half, Layout);
            MaskWeights = MaskHead is null ? null : new GpuNetworkWeights(gpu, MaskHead, half, Layout);
        }
        catch
        {
            BoxWeights?.Dispose();
            DenseWeights.Dispose();
            throw;
        }
    }

    /// <summary>Activation layout of every runner (NHWC for FP16: cuDNN's tensor-core kernels want channels last).</summary>
    public TensorLayout Layout { get; }

    public NetworkGraph Dense { get; }

    public NetworkGraph BoxHead { get; }

    public NetworkGraph? MaskHead { get; }

    public GpuNetworkWeights DenseWeights { get; }

    public GpuNetworkWeights BoxWeights { get; }

    public GpuNetworkWeights? MaskWeights { get; }

    /// <summary>Device bytes of all weights.</summary>
    public long SizeBytes => DenseWeights.SizeBytes + BoxWeights.SizeBytes + (MaskWeights?.SizeBytes ?? 0);

    public void Dispose()
    {
        MaskWeights?.Dispose();
        BoxWeights.Dispose();
        DenseWeights.Dispose();
    }
}
