namespace Detserve.Import.Config;

/// <summary>
/// The text is not Python syntax the config reader accepts (Python would raise SyntaxError or ValueError).
/// Internal: <see cref="PythonLiteral"/> turns it into "keep the string", the eval tag into a <see cref="ConfigException"/>.
/// </summary>
internal sealed class PythonSyntaxException : Exception
{
    public PythonSyntaxException() { }

    public PythonSyntaxException(string message) : base(message) { }

    public PythonSyntaxException(string message, Exception inner) : base(message, inner) { }
}
