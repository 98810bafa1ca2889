using System.Runtime.CompilerServices;

// The config tests exercise the YAML tree reader, the literal parser and the eval-tag evaluator directly.
[assembly: InternalsVisibleTo("Import.Config.Tests")]
