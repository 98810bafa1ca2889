using Detserve.Backends.Cpu;

namespace Detserve.Backends.Cuda.Ops;

/// <summary>
/// ROIPooler (ROIAlignV2) over FPN levels with in-kernel level assignment (Kernels/roi_align.cu); matches the CPU
/// RoiAlign.ForwardMultiLevel with RoiLevels.AssignLevels.
/// </summary>
public sealed class RoiAlignOp(KernelLibrary library)
{
    /// <summary>Most levels one launch takes (p2..p6).</summary>
    public const int MaxLevels = 5;

    private readonly CudaKernel _kernel = (library ?? throw new ArgumentNullException(nameof(library))).Get("roi_align.cu", "roi_align_multilevel");
    private readonly CudaKernel _nhwcHalf = library.Get("roi_align.cu", "roi_align_multilevel_nhwc_half");
    private readonly CudaKernel _nhwcHalf8 = library.Get("roi_align.cu", "roi_align_multilevel_nhwc_half8");
    private readonly CudaKernel _nhwcHalfToFloat = library.Get("roi_align.cu", "roi_align_multilevel_nhwc_half_to_nchw_f32");
    private readonly CudaKernel _nhwcHalf8ToFloat = library.Get("roi_align.cu", "roi_align_multilevel_nhwc_half8_to_nchw_f32");

    /// <summary>
    /// output [count, channels, pooled, pooled] from rois [count, 5] (batch index, x1, y1, x2, y2). Level i of
    /// <paramref name="levels"/> is FPN level minLevel + i. samplingRatio 0 = adaptive; aligned = ROIAlignV2.
    /// </summary>
    public void Enqueue(IReadOnlyList<DeviceFeatureLevel> levels, int batch, int channels, int minLevel, DeviceBuffer rois, int count,
        int pooled, int samplingRatio, bool aligned, DeviceBuffer output, CudaStream stream, int canonicalSize = 224, int canonicalLevel = 4) =>
        Launch(_kernel, 4, 4, 1, levels, batch, channels, minLevel, rois, count, pooled, samplingRatio, aligned, output, stream, canonicalSize, canonicalLevel);

    /// <summary>
    /// As <see cref="Enqueue"/> on float16 NHWC levels ([batch, H, W, channels]); output [count, pooled, pooled, channels] float16
    /// (the FP16 network's layout: the mask head reads it as NHWC, the box head's fc1 columns are permuted to match).
    /// </summary>
    public void EnqueueNhwcHalf(IReadOnlyList<DeviceFeatureLevel> levels, int batch, int channels, int minLevel, DeviceBuffer rois, int count,
        int pooled, int samplingRatio, bool aligned, DeviceBuffer output, CudaStream stream, int canonicalSize = 224, int canonicalLevel = 4) =>
        Launch(channels % 8 == 0 ? _nhwcHalf8 : _nhwcHalf, 2, 2, channels % 8 == 0 ? 8 : 1, levels, batch, channels, minLevel, rois, count, pooled, samplingRatio, aligned, output, stream, canonicalSize, canonicalLevel);

    /// <summary>
    /// As <see cref="EnqueueNhwcHalf"/> (float16 NHWC levels) with output [count, channels, pooled, pooled] float32, the average not
    /// rounded to half: the input of a head that runs in float32 behind the FP16 network.
    /// </summary>
    public void EnqueueNhwcHalfToNchwFloat(IReadOnlyList<DeviceFeatureLevel> levels, int batch, int channels, int minLevel, DeviceBuffer rois, int count,
        int pooled, int samplingRatio, bool aligned, DeviceBuffer output, CudaStream stream, int canonicalSize = 224, int canonicalLevel = 4) =>
        Launch(channels % 8 == 0 ? _nhwcHalf8ToFloat : _nhwcHalfToFloat, 2, 4, channels % 8 == 0 ? 8 : 1, levels, batch, channels, minLevel, rois, count, pooled,
            samplingRatio, aligned, output, stream, canonicalSize, canonicalLevel);

    private static void Launch(CudaKernel kernel, int elementBytes, int outputBytes, int channelsPerThread, IReadOnlyList<DeviceFeatureLevel> levels, int batch, int channels, int minLevel,
        DeviceBuffer rois, int count, int pooled, int samplingRatio, bool aligned, DeviceBuffer output, CudaStream stream, int canonicalSize, int canonicalLevel)
    {
        const string op = "RoiAlign";
        ArgumentNullException.ThrowIfNull(levels);
        if (levels.Count is < 1 or > MaxLevels) throw new ShapeException(op, nameof(levels), $"1..{MaxLevels} levels", levels.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        DeviceShape.NotNegative(op, nameof(count), count);
        DeviceShape.Positive(op, nameof(batch), batch);
        DeviceShape.Positive(op, nameof(channels), channels);
        DeviceShape.Positive(op, nameof(pooled), pooled);
        DeviceShape.NotNegative(op, nameof(samplingRatio), samplingRatio);
        for (int l = 0; l < levels.Count; l++)
        {
            var level = levels[l];
            DeviceShape.Positive(op, $"levels[{l}].Height", level.Height);
            DeviceShape.Positive(op, $"levels[{l}].Width", level.Width);
            DeviceShape.Holds(op, $"levels[{l}].Features", level.Features, (long)batch * channels * level.Height * level.Width, elementBytes);
        }
        DeviceShape.Holds(op, nameof(rois), rois, count * 5L, 4);
        DeviceShape.Holds(op, nameof(output), output, (long)count * channels * pooled * pooled, outputBytes);
        if (count == 0) return;
        var args = new KernelArguments();
        for (int l = 0; l < MaxLevels; l++) args.Add(levels[Math.Min(l, levels.Count - 1)].Features);
        for (int l = 0; l < MaxLevels; l++)
        {
            var level = levels[Math.Min(l, levels.Count - 1)];
            args.Add(level.Height).Add(level.Width);
        }
        for (int l = 0; l < MaxLevels; l++) args.Add(levels[Math.Min(l, levels.Count - 1)].Scale);
        args.Add(levels.Count).Add(minLevel).Add(canonicalSize).Add(canonicalLevel)
            .Add(rois).Add(count).Add(channels).Add(pooled).Add(samplingRatio).Add(aligned ? 1 : 0).Add(output);
        kernel.Launch(LaunchGeometry.ForElements((long)count * (channels / channelsPerThread) * pooled * pooled), stream, args);
    }
}
