using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using Detserve.Backends.Cpu;
using Detserve.Backends.Cpu.Gemm;

namespace Detserve.Bench.Kernels;

/// <summary>
/// Single-threaded sgemm on the per-call shapes the CPU ops issue for one Mask R-CNN R50-FPN image (an op splits its
/// output into tiles, one single-threaded sgemm each), for every GEMM backend this machine has, plus a tight FMA loop
/// that bounds what one core can do.
/// </summary>
internal static class GemmBench
{
    private sealed record Shape(string Name, int M, int N, int K, bool TransposeB);

    private static readonly Shape[] Shapes =
    [
        new("3x3 256 im2col tile (fpn/rpn/res4)", 256, 128, 2304, false),
        new("3x3 256 im2col tile, 512 cols", 256, 512, 2304, false),
        new("3x3 64 im2col tile (res2)", 64, 464, 576, false),
        new("3x3 128 im2col tile (res3)", 128, 240, 1152, false),
        new("3x3 512 im2col tile (res5)", 256, 64, 4608, false),
        new("1x1 64->256 (res2 conv3), 4096 px", 256, 4096, 64, false),
        new("1x1 256->64 (res2 conv1), 4096 px", 64, 4096, 256, false),
        new("1x1 1024->256 (res4 conv1)", 256, 1700, 1024, false),
        new("1x1 256->256 (fpn lateral 2), 4096 px", 256, 4096, 256, false),
        new("winograd point 256 (256 tiles)", 256, 256, 256, false),
        new("winograd point 512 (128 tiles)", 512, 128, 512, false),
        new("fc1 500 rows x 12544 -> 1024 (B^T)", 500, 1024, 12544, true),
        new("fc2 500 rows x 1024 -> 1024 (B^T)", 500, 1024, 1024, true),
    ];

    public static void Run(int reps)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FMA loop, 1 thread: {FmaPeak():F1} GFLOP/s (Vector512 accelerated: {Vector512.IsHardwareAccelerated})"));
        var backends = new List<(string Name, CpuContext Ctx)>();
        try
        {
            backends.Add(("openblas", new CpuContext(1, GemmBackend.OpenBlas)));
        }
        catch (DllNotFoundException)
        {
            Console.WriteLine("OpenBLAS not installed");
        }
        backends.Add(("managed", new CpuContext(1, GemmBackend.Managed)));
        Console.Write($"{"shape (M x N x K)",-52}");
        foreach ((string name, _) in backends) Console.Write($" {name,10}");
        Console.Write($" {"packed A",10}");
        Console.WriteLine("   GFLOP/s, 1 thread");
        var rng = new Random(5);
        foreach (Shape s in Shapes)
        {
            float[] a = new float[(long)s.M * s.K], b = new float[(long)s.K * s.N], c = new float[(long)s.M * s.N];
            for (int i = 0; i < a.Length; i++) a[i] = rng.NextSingle() - 0.5f;
            for (int i = 0; i < b.Length; i++) b[i] = rng.NextSingle() - 0.5f;
            Console.Write(string.Create(CultureInfo.InvariantCulture, $"{$"{s.Name} ({s.M}x{s.N}x{s.K})",-52}"));
            double flops = 2.0 * s.M * s.N * s.K;
            int inner = Math.Max(1, (int)(2e9 / flops));
            foreach ((_, CpuContext ctx) in backends)
            {
                void Call() => Sgemm.Multiply(ctx, false, s.TransposeB, s.M, s.N, s.K, a, s.K, b, s.TransposeB ? s.K : s.N, c, s.N);
                Console.Write(string.Create(CultureInfo.InvariantCulture, $" {flops / Time(Call, reps, inner) / 1e9,10:F1}"));
            }
            if (!s.TransposeB)
            {
                CpuContext ctx = backends[^1].Ctx;
                var packed = new GemmPackedA(a, s.M, s.K, s.K, false);
                void Call() => Sgemm.Multiply(ctx, packed, 0, s.M, s.N, b, s.N, c, s.N);
                Console.Write(string.Create(CultureInfo.InvariantCulture, $" {flops / Time(Call, reps, inner) / 1e9,10:F1}"));
            }
            Console.WriteLine();
        }
        foreach ((_, CpuContext ctx) in backends) ctx.Dispose();
    }

    /// <summary>Best seconds per call over <paramref name="reps"/> rounds of <paramref name="inner"/> calls, after one warm-up call.</summary>
    private static double Time(Action call, int reps, int inner)
    {
        call();
        double best = double.MaxValue;
        for (int r = 0; r < reps; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < inner; i++) call();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds / inner);
        }
        return best;
    }

    /// <summary>GFLOP/s of 16 independent FMA chains on Vector512 (Vector256 where 512 bits are not accelerated).</summary>
    private static double FmaPeak()
    {
        const int Iterations = 20_000_000;
        long t0 = Stopwatch.GetTimestamp();
        float sum = Vector512.IsHardwareAccelerated ? Fma512(Iterations) : Fma256(Iterations);
        double s = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        int lanes = Vector512.IsHardwareAccelerated ? 16 : 8;
        if (float.IsNaN(sum)) Console.WriteLine("nan");
        return 2.0 * 16 * lanes * Iterations / s / 1e9;
    }

    private static float Fma512(int iterations)
    {
        Vector512<float> x = Vector512.Create(0.999f), y = Vector512.Create(1e-7f);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector512<float> a8 = default, a9 = default, a10 = default, a11 = default, a12 = default, a13 = default, a14 = default, a15 = default;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, x, y); a1 = Vector512.FusedMultiplyAdd(a1, x, y);
            a2 = Vector512.FusedMultiplyAdd(a2, x, y); a3 = Vector512.FusedMultiplyAdd(a3, x, y);
            a4 = Vector512.FusedMultiplyAdd(a4, x, y); a5 = Vector512.FusedMultiplyAdd(a5, x, y);
            a6 = Vector512.FusedMultiplyAdd(a6, x, y); a7 = Vector512.FusedMultiplyAdd(a7, x, y);
            a8 = Vector512.FusedMultiplyAdd(a8, x, y); a9 = Vector512.FusedMultiplyAdd(a9, x, y);
            a10 = Vector512.FusedMultiplyAdd(a10, x, y); a11 = Vector512.FusedMultiplyAdd(a11, x, y);
            a12 = Vector512.FusedMultiplyAdd(a12, x, y); a13 = Vector512.FusedMultiplyAdd(a13, x, y);
            a14 = Vector512.FusedMultiplyAdd(a14, x, y); a15 = Vector512.FusedMultiplyAdd(a15, x, y);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14 + a15);
    }

    private static float Fma256(int iterations)
    {
        Vector256<float> x = Vector256.Create(0.999f), y = Vector256.Create(1e-7f);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector256<float> a8 = default, a9 = default, a10 = default, a11 = default, a12 = default, a13 = default, a14 = default, a15 = default;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, x, y); a1 = Vector256.FusedMultiplyAdd(a1, x, y);
            a2 = Vector256.FusedMultiplyAdd(a2, x, y); a3 = Vector256.FusedMultiplyAdd(a3, x, y);
            a4 = Vector256.FusedMultiplyAdd(a4, x, y); a5 = Vector256.FusedMultiplyAdd(a5, x, y);
            a6 = Vector256.FusedMultiplyAdd(a6, x, y); a7 = Vector256.FusedMultiplyAdd(a7, x, y);
            a8 = Vector256.FusedMultiplyAdd(a8, x, y); a9 = Vector256.FusedMultiplyAdd(a9, x, y);
            a10 = Vector256.FusedMultiplyAdd(a10, x, y); a11 = Vector256.FusedMultiplyAdd(a11, x, y);
            a12 = Vector256.FusedMultiplyAdd(a12, x, y); a13 = Vector256.FusedMultiplyAdd(a13, x, y);
            a14 = Vector256.FusedMultiplyAdd(a14, x, y); a15 = Vector256.FusedMultiplyAdd(a15, x, y);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14 + a15);
    }
}
