using Detserve.Backends.Cpu;

namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// Box2BoxTransform.apply_deltas with an optional clip (Kernels/box_decode.cu); matches
/// <see cref="Box2BoxTransform.ApplyDeltas"/> followed by <see cref="Boxes.Clip"/>.
/// </summary>
public sealed class BoxDecodeOp(KernelLibrary library)
{
    private readonly CudaKernel _kernel = (library ?? throw new ArgumentNullException(nameof(library))).Get("box_decode.cu", "box_decode");

    /// <summary>
    /// output [count, boxesPerRow·4] = decode(boxes [count, 4], deltas [count, boxesPerRow·4]) with
    /// <paramref name="weights"/> (wx, wy, ww, wh); clipped to [0, clipWidth] x [0, clipHeight] when <paramref name="clip"/> is given.
    /// Output may be the deltas buffer.
    /// </summary>
    public void Enqueue(DeviceBuffer boxes, DeviceBuffer deltas, int count, int boxesPerRow, IReadOnlyList<float> weights, float scaleClamp,
        (float Height, float Width)? clip, DeviceBuffer output, CudaStream stream)
    {
        const string op = "Box2BoxTransform";
        ArgumentNullException.ThrowIfNull(weights);
        DeviceShape.NotNegative(op, nameof(count), count);
        DeviceShape.Positive(op, nameof(boxesPerRow), boxesPerRow);
        DeviceShape.Length(op, nameof(weights), 4, weights.Count);
        DeviceShape.Holds(op, nameof(boxes), boxes, count * 4L, 4);
        DeviceShape.Holds(op, nameof(deltas), deltas, count * 4L * boxesPerRow, 4);
        DeviceShape.Holds(op, nameof(output), output, count * 4L * boxesPerRow, 4);
        float clipH = clip?.Height ?? -1f, clipW = clip?.Width ?? -1f;
        if (clip is { } c && (c.Height < 0 || c.Width < 0))
            throw new ShapeException(op, nameof(clip), "a non-negative image size", $"{c.Height} x {c.Width}");
        var args = new KernelArguments()
            .Add(boxes).Add(deltas).Add(count).Add(boxesPerRow)
            .Add(weights[0]).Add(weights[1]).Add(weights[2]).Add(weights[3]).Add(scaleClamp)
            .Add(clipH).Add(clipW).Add(output);
        _kernel.Launch(LaunchGeometry.ForElements((long)count * boxesPerRow), stream, args);
    }
}
