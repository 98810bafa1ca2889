namespace Detserve.Runtime.Engine;

/// <summary>An engine file's metadata: its header fields and the JSON's build, source and model sections.</summary>
/// <param name="Path">The file.</param>
/// <param name="FormatVersion">The file format version (<see cref="EngineFile.FormatVersion"/> for files this build writes).</param>
/// <param name="DetserveVersion">The Detserve build that wrote it.</param>
/// <param name="CreatedUtc">When it was written (ISO 8601, UTC).</param>
/// <param name="Precision">The precision it was built and checked for ("fp32" or "fp16"); runs use it unless told otherwise.</param>
/// <param name="MaxBatch">The largest batch a run of this engine accepts.</param>
/// <param name="ShapeBuckets">The shape buckets runs use by default ("800x1344,1344x1344"), or null.</param>
/// <param name="Source">The config, weights and overrides it was built from.</param>
/// <param name="MetaArchitecture">MODEL.META_ARCHITECTURE ("GeneralizedRCNN" or "RetinaNet").</param>
/// <param name="NumClasses">Number of classes.</param>
/// <param name="MaskOn">Whether the model predicts masks.</param>
/// <param name="TensorCount">Number of stored tensors.</param>
/// <param name="TensorBytes">Bytes of tensor data.</param>
public sealed record EngineInfo(
    string Path,
    int FormatVersion,
    string DetserveVersion,
    string CreatedUtc,
    string Precision,
    int MaxBatch,
    string? ShapeBuckets,
    EngineSource Source,
    string MetaArchitecture,
    int NumClasses,
    bool MaskOn,
    int TensorCount,
    long TensorBytes);
