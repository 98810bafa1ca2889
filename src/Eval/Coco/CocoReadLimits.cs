namespace Detserve.Eval.Coco;

/// <summary>Limits for reading untrusted COCO JSON; the defaults fit COCO-sized files.</summary>
/// <param name="MaxRecordBytes">Largest single record (one image, annotation, category or result object), 256 MiB.</param>
public sealed record CocoReadLimits(long MaxRecordBytes = 256L << 20)
{
    public static CocoReadLimits Default { get; } = new();
}
