namespace Detserve.Backends.Cuda.Nvrtc;

/// <summary>Where compiled CUBINs are kept between runs. A null directory turns the disk cache off.</summary>
/// <param name="Directory">Cache folder; created on first write.</param>
public sealed record NvrtcCacheOptions(string? Directory)
{
    /// <summary>~/.cache/detserve/nvrtc (XDG layout under the user's home).</summary>
    public static NvrtcCacheOptions Default { get; } = new(
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "detserve", "nvrtc"));
}
