using System.CommandLine;
using Detserve.Cli.Commands;
using Detserve.Import;

namespace Detserve.Cli;

/// <summary>
/// The detserve command. Each subcommand is a thin shell over a library layer; this is the one place where
/// layer exceptions become messages and exit codes (0 ok, 1 some inputs failed or a check failed, 2 error).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("Detserve: Detectron2 models served from .NET, with no Python.")
        {
            InspectCommand.Create(),
            InferCommand.Create(),
            EvalCommand.Create(),
            BenchCommand.Create(),
            ServeCommand.Create(),
        };
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        try
        {
            var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
            return await root.Parse(args).InvokeAsync(config, cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("detserve: cancelled");
            return 130;
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            Console.Error.WriteLine($"detserve: {e.Message}");
            return 2;
        }
    }

    /// <summary>Errors that carry a complete message for the user; anything else is a bug and keeps its stack trace.</summary>
    private static bool IsUserFacing(Exception e) =>
        e is CliException or ImportException or IOException or UnauthorizedAccessException
        || e.GetType().Namespace?.StartsWith("Detserve.", StringComparison.Ordinal) == true;
}
