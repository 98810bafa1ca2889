using System.Diagnostics;
using System.Globalization;
using Detserve.Backends.Cpu;
using Detserve.Bench.Kernels;

// Times the convolutions of Mask R-CNN R50-FPN at one input size with the CPU backend and reports ms and GFLOP/s
// per layer shape and for the whole set. Usage:
//   dotnet run -c Release --project bench/kernels -- [--ops] [--gemm] [--winograd-min C (default: the library's rule; huge = never)] [--blas-threads] [--threads N] [--backend auto|openblas|managed] [--size 800x1088] [--detections 100] [--reps 3] [--filter text]
int winogradMin = -1;
int threads = 2, reps = 3, detections = 100, height = 800, width = 1088, tileBytes = 1 << 20;
GemmBackend backend = GemmBackend.Auto;
bool ops = false, gemm = false;
GemmThreading threading = GemmThreading.Tiles;
string? filter = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--reps": reps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--detections": detections = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--filter": filter = args[++i]; break;
        case "--ops": ops = true; break;
        case "--gemm": gemm = true; break;
        case "--winograd-min": winogradMin = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--blas-threads": threading = GemmThreading.Blas; break;
        case "--tile-kib": tileBytes = int.Parse(args[++i], CultureInfo.InvariantCulture) * 1024; break;
        case "--backend": backend = Enum.Parse<GemmBackend>(args[++i], ignoreCase: true); break;
        case "--size":
            string[] hw = args[++i].Split('x');
            height = int.Parse(hw[0], CultureInfo.InvariantCulture);
            width = int.Parse(hw[1], CultureInfo.InvariantCulture);
            break;
        default: throw new ArgumentException($"unknown option {args[i]}");
    }
}

if (gemm)
{
    GemmBench.Run(reps);
    return;
}

using var ctx = new CpuContext(threads, backend, threading) { ConvTileBytes = tileBytes };
Console.WriteLine($"Conv layers of Mask R-CNN R50-FPN at {height}x{width}, {detections} detections; {ctx.Threads} threads; im2col tile {tileBytes / 1024} KiB; GEMM: {ctx.GemmDescription}");
if (ops)
{
    OpBench.Run(ctx, reps);
    return;
}
Console.WriteLine($"{"layer",-40} {"calls",5} {"ms/call",9} {"GFLOP/s",8} {"ms total",9}");
double totalMs = 0, totalFlops = 0;
var rng = new Random(1);
foreach (LayerCase layer in R50FpnLayers.Build(height, width, detections))
{
    if (filter != null && !layer.Name.Contains(filter, StringComparison.Ordinal)) continue;
    Conv2dSpec s = layer.Spec;
    float[] weight = new float[s.WeightLength];
    for (int i = 0; i < weight.Length; i++) weight[i] = (rng.NextSingle() - 0.5f) * 0.1f;
    float[] bias = new float[s.OutChannels];
    float[] input = new float[(long)layer.Batch * s.InChannels * layer.Height * layer.Width];
    for (int i = 0; i < input.Length; i++) input[i] = rng.NextSingle();
    (int oh, int ow) = s.OutputSize(layer.Height, layer.Width);
    float[] output = new float[(long)layer.Batch * s.OutChannels * oh * ow];
    Conv2d conv = winogradMin < 0 ? new Conv2d(s, weight, bias) : new Conv2d(s, weight, bias, winogradMin);
    conv.Forward(ctx, input, layer.Batch, layer.Height, layer.Width, output); // warm-up
    double best = double.MaxValue;
    for (int r = 0; r < reps; r++)
    {
        long t0 = Stopwatch.GetTimestamp();
        conv.Forward(ctx, input, layer.Batch, layer.Height, layer.Width, output);
        best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
    }
    double gflops = layer.Flops / (best * 1e6);
    totalMs += best * layer.Repeats;
    totalFlops += layer.Flops * layer.Repeats;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{layer.Name,-40} {layer.Repeats,5} {best,9:F2} {gflops,8:F1} {best * layer.Repeats,9:F1}"));
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"total",-40} {"",5} {"",9} {totalFlops / (totalMs * 1e6),8:F1} {totalMs,9:F1}   ({totalFlops / 1e9:F1} GFLOP)"));
