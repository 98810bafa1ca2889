using System.Security.Cryptography;
using System.Text;

namespace Detserve.Backends.Cuda.Nvrtc;

/// <summary>
/// Identity of one compilation: kernel source hash, target architecture, the full NVRTC argument list and the
/// NVRTC version (a newer compiler may emit different code). Two keys are equal exactly when a cached CUBIN
/// may be reused.
/// </summary>
public sealed record NvrtcCacheKey(string KernelFile, string SourceHash, string Arch, IReadOnlyList<string> Arguments, string CompilerVersion)
{
    /// <summary>Builds the key for compiling <paramref name="source"/> with <paramref name="options"/>.</summary>
    public static NvrtcCacheKey For(KernelSource source, NvrtcOptions options, string compilerVersion)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        return new NvrtcCacheKey(source.FileName, source.Hash, options.Arch, options.ToArguments(), compilerVersion);
    }

    /// <summary>SHA-256 over every field, NUL-separated, lower-case hex.</summary>
    public string Digest()
    {
        var text = new StringBuilder();
        text.Append(SourceHash).Append('\0').Append(Arch).Append('\0').Append(CompilerVersion);
        foreach (string a in Arguments) text.Append('\0').Append(a);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The cache file name: "&lt;kernel&gt;.&lt;arch&gt;.&lt;first 32 hex of the digest&gt;.cubin".</summary>
    public string FileName => $"{Path.GetFileNameWithoutExtension(KernelFile)}.{Arch}.{Digest()[..32]}.cubin";

    /// <summary>Value equality over the argument list too.</summary>
    public bool Equals(NvrtcCacheKey? other) =>
        other is not null && KernelFile == other.KernelFile && SourceHash == other.SourceHash && Arch == other.Arch
        && CompilerVersion == other.CompilerVersion && Arguments.SequenceEqual(other.Arguments);

    /// <summary>Hash consistent with equality.</summary>
    public override int GetHashCode() => HashCode.Combine(SourceHash, Arch, CompilerVersion, Digest());
}
