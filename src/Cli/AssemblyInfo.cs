[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Cli.Tests")]
