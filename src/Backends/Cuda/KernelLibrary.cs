using Detserve.Backends.Cuda.Nvrtc;

namespace Detserve.Backends.Cuda;

/// <summary>
/// The compiled kernels of one device: compiles each (kernel file, defines) once through NVRTC and its disk
/// cache, loads the module and keeps it. Owns every module it loaded; kernels handed out borrow them, so
/// dispose this only after the last launch has completed.
/// </summary>
public sealed class KernelLibrary : IDisposable
{
    private readonly CudaDevice _device;
    private readonly NvrtcCompiler _compiler;
    private readonly IReadOnlyList<string> _includeDirectories;
    private readonly Dictionary<(string File, string Defines), CudaModule> _modules = [];
    private readonly Dictionary<string, KernelSource> _sources = [];

    /// <summary>Creates a library for <paramref name="device"/> (borrowed).</summary>
    /// <param name="device">the GPU to compile for and load on.</param>
    /// <param name="cache">where CUBINs are kept.</param>
    /// <param name="includeDirectories">-I folders for every kernel (e.g. $CUDA_INCLUDE_DIR, passed in by the caller).</param>
    public KernelLibrary(CudaDevice device, NvrtcCacheOptions cache, IReadOnlyList<string>? includeDirectories = null)
    {
        _device = device ?? throw new ArgumentNullException(nameof(device));
        _compiler = new NvrtcCompiler(new NvrtcCache(cache ?? throw new ArgumentNullException(nameof(cache))));
        _includeDirectories = includeDirectories ?? [];
    }

    /// <summary>The device kernels are built for.</summary>
    public CudaDevice Device => _device;

    /// <summary>The compiler (for its cache statistics).</summary>
    public NvrtcCompiler Compiler => _compiler;

    /// <summary>Options with this device's architecture and the include folders, ready for defines.</summary>
    public NvrtcOptions BaseOptions()
    {
        var options = new NvrtcOptions(_device.Arch);
        foreach (string dir in _includeDirectories) options = options.Include(dir);
        return options;
    }

    /// <summary>The kernel <paramref name="function"/> of Kernels/<paramref name="kernelFile"/> compiled with <paramref name="options"/>.</summary>
    public CudaKernel Get(string kernelFile, string function, NvrtcOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var key = (kernelFile, string.Join("\u0001", options.ToArguments()));
        if (!_modules.TryGetValue(key, out var module))
        {
            if (!_sources.TryGetValue(kernelFile, out var source))
            {
                source = KernelSource.Load(kernelFile);
                _sources[kernelFile] = source;
            }
            byte[] cubin = _compiler.Compile(source, options);
            module = _device.LoadModule(cubin, options.Defines.Count == 0 ? kernelFile : $"{kernelFile} ({options.DefinesText})");
            _modules[key] = module;
        }
        return module.GetKernel(function);
    }

    /// <summary>The kernel with only the base options.</summary>
    public CudaKernel Get(string kernelFile, string function) => Get(kernelFile, function, BaseOptions());

    /// <summary>Unloads every module, in reverse order of loading.</summary>
    public void Dispose()
    {
        foreach (var module in _modules.Values.Reverse()) module.Dispose();
        _modules.Clear();
    }
}
