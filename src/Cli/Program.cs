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
            BuildCommand.Create(),
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
            ParseResult parse = root.Parse(args);
            if (parse.Errors.Count > 0 && !IsHelpRequest(args))
            {
                // A usage error is an error like any other (exit 2), one line each, with where to read the usage instead of a help dump.
                foreach (var error in parse.Errors) Console.Error.WriteLine($"detserve: {error.Message}");
                string command = string.Join(' ', CommandPath(parse.CommandResult));
                Console.Error.WriteLine($"detserve: see '{command} --help'");
                return 2;
            }
            var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
            return await parse.InvokeAsync(config, cancel.Token);
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

    private static bool IsHelpRequest(string[] args) => args.Any(a => a is "-h" or "--help" or "-?");

    private static IEnumerable<string> CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new Stack<string>();
        for (System.CommandLine.Parsing.SymbolResult? r = result; r is not null; r = r.Parent)
            if (r is System.CommandLine.Parsing.CommandResult c) names.Push(c.Parent is null ? "detserve" : c.Command.Name);
        return names;
    }

    /// <summary>Errors that carry a complete message for the user; anything else is a bug and keeps its stack trace.</summary>
    private static bool IsUserFacing(Exception e) =>
        e is CliException or ImportException or IOException or UnauthorizedAccessException
        // what the engine refuses (a device, a precision, an architecture on a backend) it names in the message
        || (e is NotSupportedException && e.TargetSite?.DeclaringType?.Namespace?.StartsWith("Detserve.", StringComparison.Ordinal) == true)
        || e.GetType().Namespace?.StartsWith("Detserve.", StringComparison.Ordinal) == true;
}
