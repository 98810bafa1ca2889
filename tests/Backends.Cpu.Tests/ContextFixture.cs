namespace Detserve.Backends.Cpu.Tests;

/// <summary>Contexts for both GEMM backends, each with 2 threads so the parallel paths run.</summary>
public static class Contexts
{
    /// <summary>Backends to run parity tests on: the managed kernel always, OpenBLAS when installed.</summary>
    public static TheoryData<GemmBackend> Backends() => new(Available());

    /// <summary>The GEMM backends this machine can run.</summary>
    public static IReadOnlyList<GemmBackend> Available()
    {
        using var probe = new CpuContext(1, GemmBackend.Auto);
        return probe.UsesOpenBlas ? [GemmBackend.Managed, GemmBackend.OpenBlas] : [GemmBackend.Managed];
    }
}
