namespace Detserve.Backends.Cuda.Nvrtc;

/// <summary>
/// CUBIN files on disk, one per <see cref="NvrtcCacheKey"/>. Writes go to a temporary file that is then
/// renamed, so a concurrent reader sees either nothing or a whole file. A disabled cache (null directory)
/// never hits and never writes.
/// </summary>
public sealed class NvrtcCache(NvrtcCacheOptions options)
{
    private readonly string? _directory = options?.Directory;

    /// <summary>The cache folder, or null when disabled.</summary>
    public string? Directory => _directory;

    /// <summary>The cached CUBIN for <paramref name="key"/>, or null.</summary>
    public byte[]? TryRead(NvrtcCacheKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_directory is null) return null;
        string path = Path.Combine(_directory, key.FileName);
        if (!File.Exists(path)) return null;
        byte[] bytes = File.ReadAllBytes(path);
        return bytes.Length == 0 ? null : bytes;
    }

    /// <summary>Stores <paramref name="cubin"/> under <paramref name="key"/>.</summary>
    public void Write(NvrtcCacheKey key, ReadOnlySpan<byte> cubin)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_directory is null) return;
        System.IO.Directory.CreateDirectory(_directory);
        string path = Path.Combine(_directory, key.FileName);
        string temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllBytes(temp, cubin.ToArray());
        File.Move(temp, path, overwrite: true);
    }
}
