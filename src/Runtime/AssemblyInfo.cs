using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Runtime.Tests")]
