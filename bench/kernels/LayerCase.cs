using Detserve.Backends.Cpu;

namespace Detserve.Bench.Kernels;

/// <summary>One distinct layer shape of Mask R-CNN R50-FPN and how many times the network runs it per image.</summary>
internal sealed record LayerCase(string Name, Conv2dSpec Spec, int Batch, int Height, int Width, int Repeats)
{
    /// <summary>2 · multiply-adds of one call.</summary>
    public double Flops
    {
        get
        {
            (int oh, int ow) = Spec.OutputSize(Height, Width);
            return 2.0 * Batch * Spec.OutChannels * oh * ow * (Spec.InChannels / Spec.Groups) * Spec.KernelH * Spec.KernelW;
        }
    }
}
