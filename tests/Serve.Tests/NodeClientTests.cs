using System.Diagnostics;
using System.Text.Json.Nodes;
using Detserve.Serve.Tests.Support;

namespace Detserve.Serve.Tests;

/// <summary>
/// The independent client: @grpc/grpc-js with @grpc/proto-loader (from the npm registry, pinned by
/// js/package-lock.json), loading this project's .proto files, driven as a child process against a live server.
/// </summary>
public sealed class NodeClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GrpcJs_Client_ServesEveryCallItMakes()
    {
        var root = RepositoryRoot.Find();
        var js = Path.Combine(root, "tests", "Serve.Tests", "js");
        var node = FindOnPath("node");
        var npm = FindOnPath("npm");
        Assert.SkipWhen(node is null || npm is null, "node and npm are not installed; the grpc-js client test needs them");
        if (!Directory.Exists(Path.Combine(js, "node_modules", "@grpc", "grpc-js")))
        {
            var (code, output) = await RunAsync(npm!, ["ci", "--no-audit", "--no-fund"], js, TimeSpan.FromMinutes(5));
            Assert.True(code == 0, $"npm ci failed ({code}):\n{output}");
        }

        await using var server = await TestServer.StartAsync();
        var (exit, stdout) = await RunAsync(node!, ["client.js", $"127.0.0.1:{server.Server.GrpcPort}", Path.Combine(root, "src", "Serve", "Protos")], js, TimeSpan.FromMinutes(2));
        Assert.True(exit == 0, $"node client failed ({exit}):\n{stdout}");
        var result = JsonNode.Parse(stdout.Trim().Split('\n')[^1])!;
        Assert.True(result["live"]!.GetValue<bool>());
        Assert.True(result["ready"]!.GetValue<bool>());
        Assert.Equal("detserve", result["serverName"]!.GetValue<string>());
        Assert.Equal([-1, 4], result["inputShape"]!.AsArray().Select(v => v!.GetValue<int>()));
        Assert.Equal(8, result["maxBatchSize"]!.GetValue<int>());
        Assert.Equal("node-1", result["inferId"]!.GetValue<string>());
        Assert.Equal([1.5f, 2.5f, 3.5f, 4.5f], result["output0"]!.AsArray().Select(v => v!.GetValue<float>()));
        Assert.Equal([0.5f, 1.5f, 2.5f, 3.5f], result["output1"]!.AsArray().Select(v => v!.GetValue<float>()));
        Assert.Equal(5, result["unknownModel"]!["code"]!.GetValue<int>());
        Assert.Contains("unknown model", result["unknownModel"]!["details"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(3, result["badShape"]!["code"]!.GetValue<int>());
        var stream = result["stream"]!.AsArray();
        Assert.Equal(3, stream.Count);
        Assert.Equal([2f, 2f, 2f, 2f], stream.Single(s => s!["id"]!.GetValue<string>() == "s1")!["output0"]!.AsArray().Select(v => v!.GetValue<float>()));
        Assert.Equal([5f, 5f, 5f, 5f], stream.Single(s => s!["id"]!.GetValue<string>() == "s3")!["output0"]!.AsArray().Select(v => v!.GetValue<float>()));
        Assert.Contains("unknown model", stream.Single(s => s!["id"]!.GetValue<string>() == "s2")!["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(3, result["successCount"]!.GetValue<int>());
        Assert.Equal("SERVING", result["health"]!.GetValue<string>());
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
