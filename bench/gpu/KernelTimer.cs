using Detserve.Backends.Cuda;

namespace Detserve.Bench.Gpu;

/// <summary>
/// Times queued GPU work with CUDA events: warm-up calls first (module load, cuDNN/cuBLASLt heuristics stay out),
/// then <c>repeats</c> event pairs around <c>callsPerRepeat</c> calls each; per-call time = pair time / calls.
/// </summary>
internal sealed class KernelTimer(CudaDevice device, CudaStream stream, int warmup = 5, int repeats = 30, int callsPerRepeat = 5)
{
    public List<KernelTiming> Results { get; } = [];

    public KernelTiming Time(string name, string shape, Action<CudaStream> enqueue)
    {
        for (int i = 0; i < warmup; i++) enqueue(stream);
        stream.Synchronize();
        using var start = device.CreateEvent();
        using var end = device.CreateEvent();
        var perCall = new double[repeats];
        for (int r = 0; r < repeats; r++)
        {
            start.Record(stream);
            for (int c = 0; c < callsPerRepeat; c++) enqueue(stream);
            end.Record(stream);
            end.Synchronize();
            perCall[r] = CudaEvent.ElapsedMilliseconds(start, end) / callsPerRepeat;
        }
        Array.Sort(perCall);
        var timing = new KernelTiming(name, shape, perCall[repeats / 2], perCall[0], perCall[(int)(repeats * 0.9)], repeats * callsPerRepeat);
        Results.Add(timing);
        Console.WriteLine($"{name,-44} {shape,-44} median {timing.MedianMs,9:F4} ms  min {timing.MinMs,9:F4}  p90 {timing.P90Ms,9:F4}");
        return timing;
    }
}
