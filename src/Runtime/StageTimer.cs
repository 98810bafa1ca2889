using System.Diagnostics;

namespace Detserve.Runtime;

/// <summary>
/// An <see cref="IStageObserver"/> that copies nothing and only notes when each stage first reports during a run, so a benchmark can
/// split one run into preprocess, backbone + FPN + dense heads, proposals, box head + inference, mask head, and the rest.
/// </summary>
public sealed class StageTimer : IStageObserver
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly Dictionary<string, double> _firstSeen = [];

    /// <summary>Seconds from construction to the first report of each stage, in report order.</summary>
    public IReadOnlyDictionary<string, double> FirstSeenSeconds => _firstSeen;

    /// <inheritdoc />
    public void Observe(string stage, int image, IReadOnlyList<int> shape, ReadOnlySpan<float> values) =>
        _firstSeen.TryAdd(stage, Stopwatch.GetElapsedTime(_start).TotalSeconds);

    /// <summary>
    /// Wall seconds per phase: "preprocess" (until the network input), "backbone+fpn+dense_heads", "proposals" (Mask/Faster R-CNN),
    /// "box_head+inference", "mask_head"; phases the model does not have are left out.
    /// </summary>
    public IReadOnlyDictionary<string, double> Phases()
    {
        var phases = new Dictionary<string, double>();
        double? input = Get("input");
        double? dense = _firstSeen.Where(kv => kv.Key.StartsWith("feat_", StringComparison.Ordinal)).Select(kv => (double?)kv.Value).Min();
        double? proposals = Get("rpn_proposals_xyxy");
        double? boxes = Get("det_boxes_xyxy_input");
        double? masks = Get("mask_logits");
        if (input is { } i) phases["preprocess"] = i;
        if (input is { } a && dense is { } b) phases["backbone+fpn+dense_heads"] = b - a;
        if (dense is { } c && proposals is { } d) phases["proposals"] = d - c;
        if ((proposals ?? dense) is { } e && boxes is { } f) phases["box_head+inference"] = f - e;
        if (boxes is { } g && masks is { } h) phases["mask_head"] = h - g;
        return phases;
    }

    private double? Get(string stage) => _firstSeen.TryGetValue(stage, out double s) ? s : null;
}
