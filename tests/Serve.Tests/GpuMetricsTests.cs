using System.Net;
using Detserve.Serve.Hosting;
using Detserve.Serve.Tests.Support;

namespace Detserve.Serve.Tests;

/// <summary>Triton's GPU metric families from NVML samples, and their absence where there is no NVIDIA driver.</summary>
public sealed class GpuMetricsTests
{
    [Fact]
    public void Format_WritesTritonsGpuFamiliesPerUuid()
    {
        var text = GpuMetricsSampler.Format(
        [
            new GpuSample("GPU-0f1e2d3c-0000-1111-2222-333344445555", "NVIDIA H100 80GB HBM3", 85_520_809_984, 1_073_741_824, 0.25),
            new GpuSample("GPU-a\"b", "NVIDIA H100 80GB HBM3", 100, 0, 0),
        ]);
        Assert.Equal(
            "# HELP nv_gpu_utilization GPU utilization rate [0.0 - 1.0)\n# TYPE nv_gpu_utilization gauge\n"
            + "nv_gpu_utilization{gpu_uuid=\"GPU-0f1e2d3c-0000-1111-2222-333344445555\"} 0.25\n"
            + "nv_gpu_utilization{gpu_uuid=\"GPU-a\\\"b\"} 0\n"
            + "# HELP nv_gpu_memory_total_bytes GPU total memory, in bytes\n# TYPE nv_gpu_memory_total_bytes gauge\n"
            + "nv_gpu_memory_total_bytes{gpu_uuid=\"GPU-0f1e2d3c-0000-1111-2222-333344445555\"} 85520809984\n"
            + "nv_gpu_memory_total_bytes{gpu_uuid=\"GPU-a\\\"b\"} 100\n"
            + "# HELP nv_gpu_memory_used_bytes GPU used memory, in bytes\n# TYPE nv_gpu_memory_used_bytes gauge\n"
            + "nv_gpu_memory_used_bytes{gpu_uuid=\"GPU-0f1e2d3c-0000-1111-2222-333344445555\"} 1073741824\n"
            + "nv_gpu_memory_used_bytes{gpu_uuid=\"GPU-a\\\"b\"} 0\n",
            text);
        Assert.Equal(string.Empty, GpuMetricsSampler.Format([]));
    }

    [Fact]
    public async Task MetricsEndpoint_CarriesGpuFamiliesExactlyWhenNvmlAnswers()
    {
        using var sampler = new GpuMetricsSampler();
        await using var server = await TestServer.StartAsync();
        using var metrics = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Server.MetricsPort}") };
        using var response = await metrics.GetAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("nv_inference_request_success", body, StringComparison.Ordinal);
        if (sampler.Available)
        {
            Assert.Contains("nv_gpu_memory_total_bytes{gpu_uuid=\"GPU-", body, StringComparison.Ordinal);
        }
        else
        {
            // No NVIDIA driver (CI): no GPU families at all, as Triton on a CPU-only machine.
            Assert.Empty(sampler.Sample());
            Assert.DoesNotContain("nv_gpu_", body, StringComparison.Ordinal);
        }
    }
}
