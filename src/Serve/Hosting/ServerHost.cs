using Detserve.Serve.Backends;
using Microsoft.Extensions.Logging;

namespace Detserve.Serve.Hosting;

/// <summary>The entry point of `detserve serve`: runs the server until <paramref name="cancellationToken"/> fires, then shuts down gracefully.</summary>
public static class ServerHost
{
    public static async Task RunAsync(ServerOptions options, CancellationToken cancellationToken) =>
        await RunAsync(options, BuiltInBackends.Create(), null, cancellationToken).ConfigureAwait(false);

    public static async Task RunAsync(ServerOptions options, IReadOnlyList<IModelBackend> backends, ILoggerFactory? loggerFactory, CancellationToken cancellationToken)
    {
        await using var server = await InferenceServer.StartAsync(options, backends, loggerFactory, cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM: fall through to the graceful stop below.
        }

        await server.StopAsync().ConfigureAwait(false);
    }
}
