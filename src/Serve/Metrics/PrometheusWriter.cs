using System.Globalization;
using System.Text;
using Detserve.Serve.Repository;

namespace Detserve.Serve.Metrics;

/// <summary>
/// The metrics endpoint's body (port 8002, GET /metrics) in Prometheus text format 0.0.4 with Triton's metric
/// names and labels (docs/user_guide/metrics.md): per model and version, request success/failure (by reason),
/// inference and execution counts, cumulative request/queue/compute durations in microseconds, the pending
/// request gauge, and a latency histogram (nv_inference_first_response_histogram_ms: every Detserve response
/// is a first response). CPU utilization and memory come from /proc where it exists.
/// </summary>
public static class PrometheusWriter
{
    public static string Write(IReadOnlyList<LoadedModel> models, CpuMetrics? cpu)
    {
        var text = new StringBuilder();
        Counter(text, models, "nv_inference_request_success", "Number of successful inference requests, all batch sizes", s => s.Success.Count);
        Family(text, "nv_inference_request_failure", "Number of failed inference requests, all batch sizes", "counter");
        foreach (var model in models)
        {
            foreach (var reason in Enum.GetValues<FailureReason>())
            {
                model.Statistics.FailuresByReason.TryGetValue(reason, out var count);
                Sample(text, "nv_inference_request_failure", Labels(model, ("reason", reason.ToString().ToUpperInvariant())), count);
            }
        }

        Counter(text, models, "nv_inference_count", "Number of inferences performed (does not include cached requests)", s => s.InferenceCount);
        Counter(text, models, "nv_inference_exec_count", "Number of model executions performed (does not include cached requests)", s => s.ExecutionCount);
        Counter(text, models, "nv_inference_request_duration_us", "Cumulative inference request duration in microseconds (includes cached requests)", s => (s.Success.Ns + s.Fail.Ns) / 1000);
        Counter(text, models, "nv_inference_queue_duration_us", "Cumulative inference queuing duration in microseconds (includes cached requests)", s => s.Queue.Ns / 1000);
        Counter(text, models, "nv_inference_compute_input_duration_us", "Cumulative compute input duration in microseconds (does not include cached requests)", s => s.ComputeInput.Ns / 1000);
        Counter(text, models, "nv_inference_compute_infer_duration_us", "Cumulative compute inference duration in microseconds (does not include cached requests)", s => s.ComputeInfer.Ns / 1000);
        Counter(text, models, "nv_inference_compute_output_duration_us", "Cumulative inference compute output duration in microseconds (does not include cached requests)", s => s.ComputeOutput.Ns / 1000);

        Family(text, "nv_inference_pending_request_count", "Instantaneous number of pending requests awaiting execution per-model.", "gauge");
        foreach (var model in models)
        {
            Sample(text, "nv_inference_pending_request_count", Labels(model), model.PendingCount);
        }

        Family(text, "nv_inference_first_response_histogram_ms", "Duration from request to first response in milliseconds", "histogram");
        foreach (var model in models)
        {
            var histogram = model.Statistics.RequestDurationMs;
            var cumulative = histogram.CumulativeCounts();
            for (var i = 0; i < histogram.UpperBounds.Count; i++)
            {
                Sample(text, "nv_inference_first_response_histogram_ms_bucket", Labels(model, ("le", Number(histogram.UpperBounds[i]))), cumulative[i]);
            }

            Sample(text, "nv_inference_first_response_histogram_ms_bucket", Labels(model, ("le", "+Inf")), histogram.Count);
            text.Append("nv_inference_first_response_histogram_ms_sum").Append(Labels(model)).Append(' ').Append(Number(histogram.Sum)).Append('\n');
            Sample(text, "nv_inference_first_response_histogram_ms_count", Labels(model), histogram.Count);
        }

        if (cpu is not null)
        {
            Family(text, "nv_cpu_utilization", "CPU utilization rate [0.0 - 1.0]", "gauge");
            text.Append("nv_cpu_utilization ").Append(Number(cpu.Utilization)).Append('\n');
            Family(text, "nv_cpu_memory_total_bytes", "CPU total memory (RAM), in bytes", "gauge");
            Sample(text, "nv_cpu_memory_total_bytes", string.Empty, cpu.MemoryTotalBytes);
            Family(text, "nv_cpu_memory_used_bytes", "CPU used memory (RAM), in bytes", "gauge");
            Sample(text, "nv_cpu_memory_used_bytes", string.Empty, cpu.MemoryUsedBytes);
        }

        return text.ToString();
    }

    private static void Counter(StringBuilder text, IReadOnlyList<LoadedModel> models, string name, string help, Func<ModelStatisticsRecorder, long> value)
    {
        Family(text, name, help, "counter");
        foreach (var model in models)
        {
            Sample(text, name, Labels(model), value(model.Statistics));
        }
    }

    private static void Family(StringBuilder text, string name, string help, string type) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder text, string name, string labels, long value) =>
        text.Append(name).Append(labels).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static string Labels(LoadedModel model, params (string Name, string Value)[] extra)
    {
        var labels = new List<(string Name, string Value)> { ("model", model.Name) };
        labels.AddRange(extra);
        labels.Add(("version", model.Version.ToString(CultureInfo.InvariantCulture)));
        return "{" + string.Join(",", labels.Select(l => $"{l.Name}=\"{Escape(l.Value)}\"")) + "}";
    }

    /// <summary>Label values escape backslash, double quote and newline (Prometheus exposition format).</summary>
    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
