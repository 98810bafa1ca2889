using System.CommandLine;

namespace Detserve.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("Detserve: Detectron2 models served from .NET");
        return root.Parse(args).Invoke();
    }
}
