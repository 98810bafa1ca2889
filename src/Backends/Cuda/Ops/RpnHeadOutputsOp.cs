using Detserve.Backends.Cpu;

namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// StandardRPNHead's objectness and anchor-delta 1x1 convs on one FPN level of the FP16 network, in float32 from the half NHWC
/// input, written into the float32 per-image concatenated buffers RpnProposalsOp reads (Kernels/rpn_head_outputs.cu).
/// Borrows the library.
/// </summary>
public sealed class RpnHeadOutputsOp(KernelLibrary library)
{
    /// <summary>Most anchors per cell one launch takes (5 x anchors outputs, within the kernel's 32 per-thread accumulators).</summary>
    public const int MaxAnchors = 6;

    /// <summary>Positions per block (one thread each) and the kernel's shared weight capacity in floats (RPN_POSITIONS, RPN_MAX_WEIGHTS).</summary>
    private const int PositionsPerBlock = 128;
    private const int MaxWeightFloats = 8192;
    private const int MaxBlocks = 1024;

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
        // The kernel stages the input 8 halves (16 bytes) at a time and keeps the weights, transposed and padded to 4 outputs per
        // channel, in 32 KiB of shared memory.
        if (channels % 8 != 0) throw new ShapeException(op, nameof(channels), "a multiple of 8", channels.ToString(System.Globalization.CultureInfo.InvariantCulture));
        long weightFloats = 4L * ((5 * anchors + 3) / 4) * channels;
        if (weightFloats > MaxWeightFloats)
            throw new ShapeException(op, nameof(channels), $"4 * ceil(5 * anchors / 4) * channels <= {MaxWeightFloats}", $"{channels} channels, {anchors} anchors");
        if (plane is < 1 or > int.MaxValue) throw new ShapeException(op, nameof(plane), "1..int.MaxValue", plane.ToString(System.Globalization.CultureInfo.InvariantCulture));
        DeviceShape.Holds(op, nameof(feature), feature, batch * plane * channels, 2);
        DeviceShape.Holds(op, nameof(weight), weight, 5L * anchors * channels, 4);
        DeviceShape.Holds(op, nameof(bias), bias, 5L * anchors, 4);
        DeviceShape.Holds(op, nameof(objectness), objectness, (batch - 1) * objImageStride + objOffset + anchors * plane, 4);
        DeviceShape.Holds(op, nameof(deltas), deltas, (batch - 1) * delImageStride + delOffset + 4L * anchors * plane, 4);
        var args = new KernelArguments().Add(feature).Add(batch).Add((int)plane).Add(channels).Add(weight).Add(bias).Add(anchors)
            .Add(objectness).Add(objImageStride).Add(objOffset).Add(deltas).Add(delImageStride).Add(delOffset);
        // About 1024 blocks in all (several per SM on an H100's 132) so each block's shared weights serve several tiles at batch 8
        // while batch 1 still fills the device; the kernel loops over the tiles its block is given.
        long tiles = LaunchGeometry.CeilDiv(plane, PositionsPerBlock);
        int blocksPerImage = (int)Math.Min(tiles, Math.Max(1, MaxBlocks / batch));
        _kernel.Launch(new LaunchGeometry(blocksPerImage, batch, 1, PositionsPerBlock, 1, 1), stream, args);
    }
}
