using System.Net;
using Detserve.Serve.Backends;
using Detserve.Serve.Grpc;
using Detserve.Serve.Http;
using Detserve.Serve.Metrics;
using Detserve.Serve.Repository;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Detserve.Serve.Hosting;

/// <summary>
/// A running Detserve server: one Kestrel host with three endpoints (HTTP/REST on HTTP/1.1, gRPC on
/// h2c only, metrics on HTTP/1.1), the model repository, and the inference service behind both protocols.
/// Each endpoint tags its connections so requests are routed by endpoint, whatever port it got.
/// </summary>
public sealed class InferenceServer : IAsyncDisposable
{
    private const string EndpointKey = "detserve.endpoint";

    private readonly WebApplication _app;
    private readonly ServerOptions _options;
    private readonly CancellationTokenSource _polling;
    private readonly Task _pollTask;
    private readonly ILogger _logger;
    private readonly GpuMetricsSampler _gpuMetrics;
    private int _stopped;

    private InferenceServer(WebApplication app, ServerOptions options, InferenceService service, CancellationTokenSource polling, Task pollTask, ILogger logger, (int Http, int Grpc, int Metrics) ports, GpuMetricsSampler gpuMetrics)
    {
        _app = app;
        _gpuMetrics = gpuMetrics;
        _polling = polling;
        _options = options;
        Service = service;
        _pollTask = pollTask;
        _logger = logger;
        (HttpPort, GrpcPort, MetricsPort) = ports;
    }

    public InferenceService Service { get; }

    /// <summary>Bound ports (useful when the options asked for 0, an ephemeral port); -1 when the endpoint is off.</summary>
    public int HttpPort { get; }

    public int GrpcPort { get; }

    public int MetricsPort { get; }

    /// <summary>
    /// Loads the start-up models, then binds the endpoints. Built-in backends come from <paramref name="builtInBackends"/>
    /// (the CLI passes the Detserve engine backends), plus <see cref="ServerOptions.Backends"/>.
    /// </summary>
    public static async Task<InferenceServer> StartAsync(ServerOptions options, IReadOnlyList<IModelBackend>? builtInBackends = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger("Detserve.Serve");
        var backends = new Dictionary<string, IModelBackend>(StringComparer.Ordinal);
        foreach (var backend in (builtInBackends ?? []).Concat(options.Backends))
        {
            if (!backends.TryAdd(backend.Name, backend))
            {
                throw new ArgumentException($"two backends are named '{backend.Name}'", nameof(options));
            }
        }

        var repository = new ModelRepositoryManager(options, backends, logger);
        await repository.StartAsync(cancellationToken).ConfigureAwait(false);
        var service = new InferenceService(options, repository);
        var httpApi = new HttpApi(service, options.HttpMaxBodyBytes, logger);
        var grpcApi = new GrpcApi(service, options.GrpcMaxMessageBytes, logger);
        var cpu = new CpuMetricsSampler();
        var gpu = new GpuMetricsSampler();

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        var listeners = new Dictionary<string, ListenOptions>();
        var address = IPAddress.Parse(options.BindAddress);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.HttpMaxBodyBytes;
            // Large tensors over gRPC: wide flow-control windows, and many concurrent streams per connection.
            kestrel.Limits.Http2.InitialConnectionWindowSize = 16 * 1024 * 1024;
            kestrel.Limits.Http2.InitialStreamWindowSize = 8 * 1024 * 1024;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1024;
            kestrel.Limits.MaxConcurrentConnections = null;
            void Listen(string name, int port, HttpProtocols protocols) => kestrel.Listen(address, port, listen =>
            {
                listen.Protocols = protocols;
                listen.Use(next => connection =>
                {
                    connection.Items[EndpointKey] = name;
                    return next(connection);
                });
                listeners[name] = listen;
            });
            if (options.AllowHttp)
            {
                Listen("http", options.HttpPort, HttpProtocols.Http1);
            }

            if (options.AllowGrpc)
            {
                Listen("grpc", options.GrpcPort, HttpProtocols.Http2);
            }

            if (options.AllowMetrics)
            {
                Listen("metrics", options.MetricsPort, HttpProtocols.Http1);
            }
        });

        var app = builder.Build();
        app.Run(context =>
        {
            var endpoint = context.Features.Get<IConnectionItemsFeature>()?.Items[EndpointKey] as string;
            return endpoint switch
            {
                "grpc" => grpcApi.HandleAsync(context),
                "metrics" => MetricsAsync(context, repository, cpu, gpu),
                _ => httpApi.HandleAsync(context),
            };
        });

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await repository.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            gpu.Dispose();
            throw;
        }

        int Port(string name) => listeners.TryGetValue(name, out var l) ? l.IPEndPoint!.Port : -1;
        var ports = (Port("http"), Port("grpc"), Port("metrics"));
        Log.Listening(logger, ports.Item1, ports.Item2, ports.Item3);
        var polling = new CancellationTokenSource();
        var pollTask = options.ModelControlMode == ModelControlMode.Poll ? repository.RunPollingAsync(polling.Token) : Task.CompletedTask;
        return new InferenceServer(app, options, service, polling, pollTask, logger, ports, gpu);
    }

    /// <summary>
    /// Graceful shutdown: readiness turns false and new inference requests get UNAVAILABLE; every accepted
    /// request is answered (up to <see cref="ServerOptions.ExitTimeout"/>); models are unloaded; Kestrel stops.
    /// </summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await _polling.CancelAsync().ConfigureAwait(false);
        try
        {
            await _pollTask.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The poll loop ends by cancellation.
        }

        Log.Stopping(_logger, Service.InFlight);
        await Service.DrainAsync(_options.ExitTimeout).ConfigureAwait(false);
        await Service.Repository.StopAsync().ConfigureAwait(false);
        using var timeout = new CancellationTokenSource(_options.ExitTimeout);
        await _app.StopAsync(timeout.Token).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _polling.Dispose();
        _gpuMetrics.Dispose();
    }

    private static async Task MetricsAsync(HttpContext context, ModelRepositoryManager repository, CpuMetricsSampler cpu, GpuMetricsSampler gpu)
    {
        if (context.Request.Path != "/metrics")
        {
            context.Response.StatusCode = 404;
            return;
        }

        // GPU families after the rest, from NVML (none on a machine without the NVIDIA driver).
        var body = PrometheusWriter.Write(repository.AllLoaded(), cpu.Sample()) + GpuMetricsSampler.Format(gpu.Sample());
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await context.Response.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }
}
