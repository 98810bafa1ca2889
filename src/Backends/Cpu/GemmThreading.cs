namespace Detserve.Backends.Cpu;

/// <summary>Where the threads of a GEMM-bound op (convolution, linear) come from.</summary>
public enum GemmThreading
{
    /// <summary>
    /// The op splits its output into tiles run on the context's threads, each a single-threaded sgemm (the default:
    /// on 2 cores the R50-FPN conv set took 2.60–2.63 s this way against 2.82–3.10 s with <see cref="Blas"/>, bench/kernels).
    /// </summary>
    Tiles,

    /// <summary>The op issues one large sgemm at a time and OpenBLAS spreads it over the context's threads (OpenBLAS only).</summary>
    Blas,
}
