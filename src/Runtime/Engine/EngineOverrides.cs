namespace Detserve.Runtime.Engine;

/// <summary>
/// Which config overrides a run of an engine file may give. An engine holds compiled graphs and weights, so keys that shape the
/// network, its weights or its input normalization are fixed at build time; what stays open is what Detectron2 reads at test time
/// only: the test resize, the RPN's and the heads' test thresholds and top-k's, detections per image, and every key outside MODEL
/// and INPUT (TEST, DATASETS, ...). Anything else is refused with the command that rebuilds the engine with it.
/// </summary>
public static class EngineOverrides
{
    private static readonly HashSet<string> Allowed = new(StringComparer.Ordinal)
    {
        "INPUT.MIN_SIZE_TEST",
        "INPUT.MAX_SIZE_TEST",
        "MODEL.DEVICE",
        "MODEL.RPN.PRE_NMS_TOPK_TEST",
        "MODEL.RPN.POST_NMS_TOPK_TEST",
        "MODEL.RPN.NMS_THRESH",
        "MODEL.ROI_HEADS.SCORE_THRESH_TEST",
        "MODEL.ROI_HEADS.NMS_THRESH_TEST",
        "MODEL.RETINANET.SCORE_THRESH_TEST",
        "MODEL.RETINANET.TOPK_CANDIDATES_TEST",
        "MODEL.RETINANET.NMS_THRESH_TEST",
    };

    /// <summary>True when a run of an engine may override <paramref name="key"/>.</summary>
    public static bool IsAllowed(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (Allowed.Contains(key)) return true;
        return !key.StartsWith("MODEL.", StringComparison.Ordinal) && !key.StartsWith("INPUT.", StringComparison.Ordinal)
            && key is not ("MODEL" or "INPUT");
    }

    /// <summary>Checks KEY VALUE pairs against <see cref="IsAllowed"/>.</summary>
    /// <exception cref="EngineException">an odd count, or a key the engine fixed; the message names the key and how to rebuild.</exception>
    public static void Check(IReadOnlyList<string> opts, string enginePath)
    {
        ArgumentNullException.ThrowIfNull(opts);
        if (opts.Count % 2 != 0)
            throw new EngineException($"{enginePath}: overrides come in KEY VALUE pairs; '{opts[^1]}' has no value");
        for (int i = 0; i < opts.Count; i += 2)
        {
            string key = opts[i];
            if (key == "MODEL.WEIGHTS")
                throw new EngineException($"{enginePath}: the engine holds its weights; MODEL.WEIGHTS cannot be overridden (build another engine from the weights)");
            if (!IsAllowed(key))
                throw new EngineException(
                    $"{enginePath}: {key} is fixed when the engine is built (only test-time keys such as INPUT.MIN_SIZE_TEST or MODEL.ROI_HEADS.SCORE_THRESH_TEST can change); "
                    + $"rebuild it: detserve build --config C --weights W --output E {key} {opts[i + 1]}");
        }
    }
}
