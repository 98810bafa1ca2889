using Detserve.Backends.Cpu;

namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// StandardRPNHead's objectness and anchor-delta 1x1 convs on one FPN level of the FP16 network, in float32 from the half NHWC
/// input, written into the float32 per-image concatenated buffers RpnProposalsOp reads (Kernels/rpn_head_outputs.cu).
/// Borrows the library.
/// </summary>
public sealed class RpnHeadOutputsOp(KernelLibrary library)
{
    /// <summary>Most anchors per cell one launch takes (5 x anchors outputs, one per lane of a warp).</summary>
    public const int MaxAnchors = 6;

    private const int WarpsPerBlock = 8;

    private readonly CudaKernel _kernel = (library ?? throw new ArgumentNullException(nameof(library))).Get("rpn_head_outputs.cu", "rpn_head_outputs_nhwc_half");

    /// <summary>
    /// feature [batch, plane, channels] float16; weight [5 * anchors, channels] float32 (objectness rows, then delta rows); bias
    /// [5 * anchors]. Image n's objectness goes to objectness[n * objImageStride + objOffset + a * plane + p] and its deltas to
    /// deltas[n * delImageStride + delOffset + k * plane + p] (elements, k &lt; 4 * anchors).
    /// </summary>
    public void Enqueue(DeviceBuffer feature, int batch, long plane, int channels, DeviceBuffer weight, DeviceBuffer bias, int anchors,
        DeviceBuffer objectness, long objImageStride, long objOffset, DeviceBuffer deltas, long delImageStride, long delOffset, CudaStream stream)
    {
        const string op = "RpnHeadOutputs";
        DeviceShape.Positive(op, nameof(batch), batch);
        DeviceShape.Positive(op, nameof(channels), channels);
        DeviceShape.Positive(op, nameof(anchors), anchors);
        if (anchors > MaxAnchors) throw new ShapeException(op, nameof(anchors), $"at most {MaxAnchors}", anchors.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (plane is < 1 or > int.MaxValue) throw new ShapeException(op, nameof(plane), "1..int.MaxValue", plane.ToString(System.Globalization.CultureInfo.InvariantCulture));
        DeviceShape.Holds(op, nameof(feature), feature, batch * plane * channels, 2);
        DeviceShape.Holds(op, nameof(weight), weight, 5L * anchors * channels, 4);
        DeviceShape.Holds(op, nameof(bias), bias, 5L * anchors, 4);
        DeviceShape.Holds(op, nameof(objectness), objectness, (batch - 1) * objImageStride + objOffset + anchors * plane, 4);
        DeviceShape.Holds(op, nameof(deltas), deltas, (batch - 1) * delImageStride + delOffset + 4L * anchors * plane, 4);
        var args = new KernelArguments().Add(feature).Add(batch).Add((int)plane).Add(channels).Add(weight).Add(bias).Add(anchors)
            .Add(objectness).Add(objImageStride).Add(objOffset).Add(deltas).Add(delImageStride).Add(delOffset);
        _kernel.Launch(LaunchGeometry.OneBlockPer(LaunchGeometry.CeilDiv(batch * plane, WarpsPerBlock), WarpsPerBlock * 32), stream, args);
    }
}
