using System.CommandLine;
using System.Runtime.InteropServices;
using Detserve.Serve.Hosting;

namespace Detserve.Cli.Commands;

/// <summary>
/// detserve serve: the Triton-compatible server (HTTP/REST 8000, gRPC 8001, metrics 8002 by default, as Triton).
/// Ctrl+C or SIGTERM stops it gracefully: accepted requests are answered first.
/// </summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var repository = new Option<DirectoryInfo>("--model-repository") { Description = "model repository in Triton's layout", Required = true };
        var httpPort = new Option<int>("--http-port") { Description = "HTTP/REST port (KServe v2)", DefaultValueFactory = _ => 8000 };
        var grpcPort = new Option<int>("--grpc-port") { Description = "gRPC port (inference.GRPCInferenceService)", DefaultValueFactory = _ => 8001 };
        var metricsPort = new Option<int>("--metrics-port") { Description = "Prometheus metrics port", DefaultValueFactory = _ => 8002 };
        var mode = new Option<string>("--model-control-mode") { Description = "none, explicit or poll", DefaultValueFactory = _ => "none" };
        mode.AcceptOnlyFromAmong("none", "explicit", "poll");
        var loadModel = new Option<string[]>("--load-model") { Description = "model to load at start-up (explicit mode; repeatable, '*' for all)", AllowMultipleArgumentsPerToken = false };
        var pollSeconds = new Option<int>("--repository-poll-secs") { Description = "poll interval in poll mode", DefaultValueFactory = _ => 15 };
        var bind = new Option<string>("--address") { Description = "address to listen on", DefaultValueFactory = _ => "0.0.0.0" };
        var command = new Command("serve", "serve models over Triton's HTTP/REST and gRPC protocols");
        command.Add(repository);
        command.Add(httpPort);
        command.Add(grpcPort);
        command.Add(metricsPort);
        command.Add(mode);
        command.Add(loadModel);
        command.Add(pollSeconds);
        command.Add(bind);
        command.SetAction(async (parse, ct) =>
        {
            var options = new ServerOptions
            {
                ModelRepository = parse.GetRequiredValue(repository).FullName,
                HttpPort = parse.GetValue(httpPort),
                GrpcPort = parse.GetValue(grpcPort),
                MetricsPort = parse.GetValue(metricsPort),
                ModelControlMode = parse.GetValue(mode) switch
                {
                    "explicit" => ModelControlMode.Explicit,
                    "poll" => ModelControlMode.Poll,
                    _ => ModelControlMode.None,
                },
                LoadModels = parse.GetValue(loadModel) ?? [],
                RepositoryPollSeconds = parse.GetValue(pollSeconds),
                BindAddress = parse.GetValue(bind)!,
            };
            if (!Directory.Exists(options.ModelRepository))
                throw new CliException($"--model-repository {options.ModelRepository}: no such folder");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
            await ServerHost.RunAsync(options, stop.Token).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
