using System.Runtime.InteropServices;
using System.Text;
using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Native.Handles;

namespace Detserve.Backends.Cuda.Nvrtc;

/// <summary>
/// Compiles kernel sources to CUBIN with NVRTC, through the disk cache. A failed compile throws
/// <see cref="CudaException"/> carrying the kernel name, the options and NVRTC's whole log (as tinygrad's
/// nvrtc_check does).
/// </summary>
public sealed class NvrtcCompiler(NvrtcCache cache)
{
    private readonly NvrtcCache _cache = cache ?? throw new ArgumentNullException(nameof(cache));
    private string? _version;

    /// <summary>"major.minor" of the loaded NVRTC.</summary>
    public string Version
    {
        get
        {
            if (_version is null)
            {
                NativeStatus.Check(Native.Nvrtc.nvrtcVersion(out int major, out int minor), "nvrtcVersion");
                _version = $"{major}.{minor}";
            }
            return _version;
        }
    }

    /// <summary>Number of compilations served from the disk cache by this compiler.</summary>
    public int CacheHits { get; private set; }

    /// <summary>Number of compilations NVRTC actually ran.</summary>
    public int Compilations { get; private set; }

    /// <summary>CUBIN for <paramref name="source"/> compiled with <paramref name="options"/>, from the cache when present.</summary>
    public byte[] Compile(KernelSource source, NvrtcOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        var key = NvrtcCacheKey.For(source, options, Version);
        byte[]? cached = _cache.TryRead(key);
        if (cached is not null)
        {
            CacheHits++;
            return cached;
        }
        byte[] cubin = CompileUncached(source, options);
        Compilations++;
        _cache.Write(key, cubin);
        return cubin;
    }

    private static unsafe byte[] CompileUncached(KernelSource source, NvrtcOptions options)
    {
        string context = $"{source.FileName} [{string.Join(" ", options.ToArguments())}]";
        byte[] text = Utf8z(source.Text);
        byte[] name = Utf8z(source.FileName);
        nint raw;
        fixed (byte* t = text)
        fixed (byte* n = name)
            NativeStatus.Check(Native.Nvrtc.nvrtcCreateProgram(out raw, t, n, 0, null, null), "nvrtcCreateProgram", context);
        using var program = new NvrtcProgramHandle(raw);

        var args = options.ToArguments();
        var pinned = new GCHandle[args.Count];
        byte** argv = stackalloc byte*[Math.Max(args.Count, 1)];
        NvrtcResult result;
        try
        {
            for (int i = 0; i < args.Count; i++)
            {
                pinned[i] = GCHandle.Alloc(Utf8z(args[i]), GCHandleType.Pinned);
                argv[i] = (byte*)pinned[i].AddrOfPinnedObject();
            }
            result = Native.Nvrtc.nvrtcCompileProgram(program.Raw, args.Count, argv);
        }
        finally
        {
            foreach (var h in pinned) if (h.IsAllocated) h.Free();
        }
        if (result != NvrtcResult.NVRTC_SUCCESS)
            NativeStatus.Check(result, "nvrtcCompileProgram", context, ReadLog(program));

        NativeStatus.Check(Native.Nvrtc.nvrtcGetCUBINSize(program.Raw, out nuint size), "nvrtcGetCUBINSize", context);
        var cubin = new byte[(int)size];
        fixed (byte* c = cubin)
            NativeStatus.Check(Native.Nvrtc.nvrtcGetCUBIN(program.Raw, c), "nvrtcGetCUBIN", context);
        return cubin;
    }

    private static unsafe string ReadLog(NvrtcProgramHandle program)
    {
        if (Native.Nvrtc.nvrtcGetProgramLogSize(program.Raw, out nuint size) != NvrtcResult.NVRTC_SUCCESS || size <= 1) return "(no compile log)";
        var log = new byte[(int)size];
        fixed (byte* l = log)
            if (Native.Nvrtc.nvrtcGetProgramLog(program.Raw, l) != NvrtcResult.NVRTC_SUCCESS) return "(compile log unavailable)";
        return Encoding.UTF8.GetString(log, 0, log.Length - 1);
    }

    private static byte[] Utf8z(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
