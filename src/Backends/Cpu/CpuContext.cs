using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Detserve.Backends.Cpu.Native;

namespace Detserve.Backends.Cpu;

/// <summary>
/// Everything the CPU ops share: the thread count, a parallel-for over work items, pooled scratch memory and the
/// choice of GEMM (OpenBLAS through P/Invoke, or the managed SIMD kernel). Passed into every op; there is no ambient
/// state. Owns its scratch pool and its handle on libopenblas; dispose it when the engine is done.
/// </summary>
/// <remarks>
/// OpenBLAS keeps one process-wide thread setting. The ops call sgemm from inside their own parallel loops, one
/// single-threaded call per tile, so a context that uses OpenBLAS sets that setting to 1 when it is built.
/// </remarks>
public sealed class CpuContext : IDisposable
{
    private readonly ArrayPool<float> _floatPool = ArrayPool<float>.Create(1 << 28, 16);
    private readonly ArrayPool<int> _intPool = ArrayPool<int>.Create(1 << 26, 16);
    private readonly ParallelOptions _parallelOptions;
    private nint _openBlasHandle;

    /// <summary>Creates a context with <paramref name="threads"/> worker threads (0 = <see cref="Environment.ProcessorCount"/>) and the automatic GEMM choice.</summary>
    public CpuContext(int threads = 0)
        : this(threads, GemmBackend.Auto)
    {
    }

    /// <summary>Creates a context with <paramref name="threads"/> worker threads (0 = all cores) and the given GEMM backend.</summary>
    /// <exception cref="DllNotFoundException"><paramref name="backend"/> is <see cref="GemmBackend.OpenBlas"/> and libopenblas.so.0 does not load.</exception>
    public CpuContext(int threads, GemmBackend backend)
        : this(threads, backend, GemmThreading.Tiles)
    {
    }

    /// <summary>
    /// Creates a context with the given GEMM backend and threading strategy. With <see cref="GemmThreading.Blas"/>
    /// and OpenBLAS, OpenBLAS's process-wide thread count is set to <paramref name="threads"/>; otherwise to 1.
    /// </summary>
    public CpuContext(int threads, GemmBackend backend, GemmThreading threading)
    {
        if (threads < 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "thread count must be >= 0 (0 = all cores)");
        Threads = threads == 0 ? Environment.ProcessorCount : threads;
        _parallelOptions = new ParallelOptions { MaxDegreeOfParallelism = Threads };

        if (backend == GemmBackend.Auto && Vector512.IsHardwareAccelerated)
        {
            // The runtime reports 512-bit vectors as fast here (AMD Zen 4/5, Intel Ice Lake and later; not the
            // Skylake-X family, where they throttle the clock). The managed 6 x 32 Vector512 kernel then beats
            // Debian's OpenBLAS 0.3.21, which runs its AVX2 Haswell kernels on Zen 4/5 (bench/kernels --gemm: ~110 vs
            // ~180 GFLOP/s per core on the model's shapes). A fixed rule per machine, so results are reproducible.
            UsesOpenBlas = false;
            GemmDescription = "managed AVX-512 GEMM (Vector512 6x32 kernel, weights pre-packed)";
        }
        else if (backend != GemmBackend.Managed
            && NativeLibrary.TryLoad(OpenBlas.LibraryName, typeof(CpuContext).Assembly, null, out nint handle))
        {
            _openBlasHandle = handle;
            UsesOpenBlas = true;
            Threading = threading;
            OpenBlas.SetNumThreads(threading == GemmThreading.Blas ? Threads : 1);
            GemmDescription = "OpenBLAS (" + (Marshal.PtrToStringAnsi(OpenBlas.GetConfig()) ?? "unknown build") + ")"
                + (threading == GemmThreading.Blas ? ", threaded by OpenBLAS" : "");
        }
        else if (backend == GemmBackend.OpenBlas)
        {
            throw new DllNotFoundException(
                $"CpuContext: {OpenBlas.LibraryName} could not be loaded; install it with `{OpenBlas.InstallHint}` or use GemmBackend.Managed");
        }
        else
        {
            UsesOpenBlas = false;
            GemmDescription = backend == GemmBackend.Managed
                ? "managed SIMD GEMM"
                : $"managed SIMD GEMM ({OpenBlas.LibraryName} not found: `{OpenBlas.InstallHint}` makes convolutions much faster)";
        }
    }

    /// <summary>Number of threads the ops may use.</summary>
    public int Threads { get; }

    /// <summary>
    /// Target size in bytes of one im2col tile of a convolution (the GEMM's B operand per call): larger tiles amortise
    /// packing the weights, smaller ones stay in cache. Default 1 MiB: of 0.25–8 MiB it was fastest over the R50-FPN layers on 2 threads (bench/kernels), though within noise.
    /// </summary>
    public int ConvTileBytes { get; init; } = 1 << 20;

    /// <summary>How GEMM-bound ops use the threads; always <see cref="GemmThreading.Tiles"/> with the managed kernel.</summary>
    public GemmThreading Threading { get; }

    /// <summary>Threads an op may spread its own GEMM tiles over (1 when OpenBLAS does the threading).</summary>
    internal int TileThreads => Threading == GemmThreading.Blas ? 1 : Threads;

    /// <summary>True when sgemm goes to OpenBLAS, false for the managed kernel.</summary>
    public bool UsesOpenBlas { get; }

    /// <summary>One line naming the GEMM in use, for the CLI to report (the library prints nothing itself).</summary>
    public string GemmDescription { get; }

    /// <summary>Runs <paramref name="body"/> for every index in [0, <paramref name="count"/>), spread over <see cref="Threads"/> threads.</summary>
    public void ParallelFor(int count, Action<int> body) => ParallelFor(count, Threads, body);

    /// <summary>As <see cref="ParallelFor(int, Action{int})"/> on at most <paramref name="threads"/> threads.</summary>
    internal void ParallelFor(int count, int threads, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (count <= 0) return;
        if (threads <= 1 || Threads == 1 || count == 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        Parallel.For(0, count, _parallelOptions, body);
    }

    /// <summary>
    /// Splits [0, <paramref name="count"/>) into contiguous chunks of at least <paramref name="minChunk"/> items (about
    /// four per thread) and runs <paramref name="body"/>(start, end) for each chunk in parallel.
    /// </summary>
    public void ParallelForChunks(int count, int minChunk, Action<int, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (count <= 0) return;
        int chunk = Math.Max(Math.Max(1, minChunk), (count + (Threads * 4) - 1) / (Threads * 4));
        int chunks = (count + chunk - 1) / chunk;
        if (Threads == 1 || chunks == 1)
        {
            body(0, count);
            return;
        }
        Parallel.For(0, chunks, _parallelOptions, c => body(c * chunk, Math.Min(count, (c + 1) * chunk)));
    }

    /// <summary>Rents <paramref name="length"/> floats of scratch (contents undefined); dispose the owner to return them.</summary>
    public PooledBuffer<float> RentFloats(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new PooledBuffer<float>(_floatPool, length);
    }

    /// <summary>Rents <paramref name="length"/> ints of scratch (contents undefined); dispose the owner to return them.</summary>
    public PooledBuffer<int> RentInts(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new PooledBuffer<int>(_intPool, length);
    }

    /// <summary>Releases this context's handle on libopenblas (the pooled arrays go to the garbage collector).</summary>
    public void Dispose()
    {
        nint handle = _openBlasHandle;
        _openBlasHandle = 0;
        if (handle != 0) NativeLibrary.Free(handle);
    }
}
