using System.Security.Cryptography;
using System.Text;

namespace Detserve.Backends.Cuda.Nvrtc;

/// <summary>The text of one kernel file (Kernels/&lt;op&gt;.cu, embedded in this assembly) and its content hash.</summary>
/// <param name="FileName">e.g. "max_pool2d.cu".</param>
/// <param name="Text">CUDA C++ source.</param>
public sealed record KernelSource(string FileName, string Text)
{
    /// <summary>SHA-256 of the UTF-8 source, lower-case hex (computed from Text each time, so `with` copies stay right).</summary>
    public string Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Text)));

    /// <summary>Reads an embedded kernel by file name.</summary>
    /// <exception cref="CudaException">no such embedded kernel (the message lists the ones that exist).</exception>
    public static KernelSource Load(string fileName)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        var assembly = typeof(KernelSource).Assembly;
        using Stream? stream = assembly.GetManifestResourceStream("Kernels/" + fileName);
        if (stream is null)
            throw new CudaException($"no embedded kernel '{fileName}'; embedded: [{string.Join(", ", Available())}]");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return new KernelSource(fileName, reader.ReadToEnd());
    }

    /// <summary>File names of every embedded kernel, sorted.</summary>
    public static IReadOnlyList<string> Available() =>
        typeof(KernelSource).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("Kernels/", StringComparison.Ordinal))
            .Select(n => n["Kernels/".Length..])
            .Order(StringComparer.Ordinal)
            .ToArray();
}
