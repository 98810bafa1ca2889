using Detserve.Vision;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// The steps of a <see cref="IGpuDetector"/> run on a plan of its own type, for callers that time or drive them one by one (the
/// benchmark): plan by key, upload, execute (graph replay or op by op), enqueue with stage marks, download. Every step is queued on
/// <see cref="IGpuDetector.Gpu"/>'s stream; only <see cref="Download"/> waits for it.
/// </summary>
/// <typeparam name="TPlan">the detector's plan for one (batch, padded height, padded width); owned by the detector's cache.</typeparam>
internal interface IGpuPlannedDetector<TPlan> : IGpuDetector where TPlan : class
{
    /// <summary>The plan for <paramref name="key"/>, built on first use (evicting the least recently used beyond the cache's capacity).</summary>
    TPlan Plan(PlanKey key);

    /// <summary>The plan's images per run, padded size and device bytes (its arenas; not the weights).</summary>
    (int Batch, int PaddedHeight, int PaddedWidth, long SizeBytes) Shape(TPlan plan);

    /// <summary>Queues the uploads of <paramref name="resized"/> (already at their network size) into the plan's image slots.</summary>
    void Upload(TPlan plan, IReadOnlyList<RgbImage> resized);

    /// <summary>
    /// Runs the plan for these resized sizes through its CUDA graph, or op by op when <see cref="IGpuDetector.UseGraphs"/> is off;
    /// <paramref name="pasteSizes"/> (null: none) are the sizes masks are pasted at, ignored without a mask head.
    /// </summary>
    void Execute(TPlan plan, IReadOnlyList<(int Height, int Width)> sizes, IReadOnlyList<(int Height, int Width)>? pasteSizes);

    /// <summary>
    /// Queues the run op by op (never a graph), calling <paramref name="mark"/> after each stage, and with "dense/" + a node name (or
    /// another "part/" name) after each finer step, so the caller can record events in between.
    /// </summary>
    void Enqueue(TPlan plan, IReadOnlyList<(int Height, int Width)> sizes, IReadOnlyList<(int Height, int Width)>? pasteSizes, Action<string> mark);

    /// <summary>Waits for the run and reads each image's detections (resized-image pixels) and mask probabilities.</summary>
    IReadOnlyList<(Detections Detections, float[]? Masks)> Download(TPlan plan);
}
