using System.Text;

namespace Detserve.Cli.Tests;

/// <summary>Runs the detserve command in-process with stdout and stderr captured (tests using it share one collection, since Console is global).</summary>
internal static class CliRunner
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        await Gate.WaitAsync();
        TextWriter oldOut = Console.Out, oldErr = Console.Error;
        var stdout = new StringWriter(new StringBuilder());
        var stderr = new StringWriter(new StringBuilder());
        try
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            int code = await Program.Main(args);
            return (code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
            Gate.Release();
        }
    }
}
