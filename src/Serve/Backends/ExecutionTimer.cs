using System.Diagnostics;

namespace Detserve.Serve.Backends;

/// <summary>
/// Splits one execution into Triton's three compute phases (compute_input, compute_infer, compute_output).
/// The backend marks the phase ends it knows; unmarked phases count as zero input time and/or all-infer time.
/// </summary>
public sealed class ExecutionTimer
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private long _inputDone;
    private long _inferDone;

    public void MarkInputDone() => _inputDone = Stopwatch.GetTimestamp();

    public void MarkInferDone() => _inferDone = Stopwatch.GetTimestamp();

    /// <summary>Nanosecond durations of the three phases, given when the execution returned.</summary>
    public (long InputNs, long InferNs, long OutputNs) Split(long end)
    {
        var inputDone = _inputDone == 0 ? _start : _inputDone;
        var inferDone = _inferDone == 0 ? end : _inferDone;
        return (ToNs(inputDone - _start), ToNs(inferDone - inputDone), ToNs(end - inferDone));
    }

    private static long ToNs(long ticks) => (long)(ticks * (1e9 / Stopwatch.Frequency));
}
