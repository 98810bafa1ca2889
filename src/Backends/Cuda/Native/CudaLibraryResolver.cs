using System.Runtime.InteropServices;

namespace Detserve.Backends.Cuda.Native;

/// <summary>
/// Resolves the backend's [LibraryImport] names ("cuda", "nvrtc", "cudnn", "cublasLt", "nvjpeg") by
/// probing <see cref="CudaLibrary.CandidatePaths"/>. .NET allows one resolver per assembly, so the
/// registration is the one piece of process-wide state here: the first caller's options win and a later
/// call with different directories is refused rather than silently ignored.
/// </summary>
public static class CudaLibraryResolver
{
    private static readonly Lock Gate = new();
    private static CudaLibraryOptions? _registered;

    /// <summary>Registers the resolver for this assembly with <paramref name="options"/> (idempotent for equal options).</summary>
    /// <exception cref="InvalidOperationException">already registered with other search directories.</exception>
    public static void Register(CudaLibraryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (Gate)
        {
            if (_registered is not null)
            {
                if (!_registered.SearchDirectories.SequenceEqual(options.SearchDirectories))
                    throw new InvalidOperationException(
                        $"the CUDA library resolver is already registered with [{string.Join(", ", _registered.SearchDirectories)}]; " +
                        $"it cannot be re-registered with [{string.Join(", ", options.SearchDirectories)}] in the same process");
                return;
            }
            var captured = options;
            NativeLibrary.SetDllImportResolver(typeof(CudaLibraryResolver).Assembly,
                (name, _, _) => Resolve(name, captured));
            _registered = options;
        }
    }

    /// <summary>Loads the first candidate that the dynamic loader accepts; zero when none does (the runtime then throws DllNotFoundException).</summary>
    private static nint Resolve(string logicalName, CudaLibraryOptions options)
    {
        foreach (string candidate in CudaLibrary.CandidatePaths(logicalName, options))
        {
            if (Path.IsPathRooted(candidate) && !File.Exists(candidate)) continue;
            if (NativeLibrary.TryLoad(candidate, out nint handle)) return handle;
        }
        return 0;
    }

    /// <summary>Whether the NVIDIA driver library can be loaded with <paramref name="options"/>; used to give CI a clear answer.</summary>
    public static bool TryFindDriver(CudaLibraryOptions options, out string? path)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (string candidate in CudaLibrary.CandidatePaths(CudaLibrary.Driver, options))
        {
            if (Path.IsPathRooted(candidate) && !File.Exists(candidate)) continue;
            if (NativeLibrary.TryLoad(candidate, out nint handle))
            {
                NativeLibrary.Free(handle);
                path = candidate;
                return true;
            }
        }
        path = null;
        return false;
    }

}
