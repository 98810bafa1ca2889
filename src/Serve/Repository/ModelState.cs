namespace Detserve.Serve.Repository;

/// <summary>States reported by the repository index (Triton's ModelReadyState names on the wire).</summary>
public enum ModelState
{
    Unknown,
    Loading,
    Ready,
    Unloading,
    Unavailable,
}
