using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Detserve.Import.Config;

/// <summary>
/// The one place that calls YamlDotNet's event parser. Every failure inside it becomes a <see cref="ConfigException"/>
/// naming the file and line: its documented <see cref="YamlException"/>s, and the few other exception types its scanner
/// throws on some malformed inputs (found by the fuzz tests, e.g. InvalidOperationException from ScanPlainScalar).
/// </summary>
internal sealed class YamlEventReader
{
    private readonly IParser _parser;
    private readonly string _file;
    private long _lastLine = 1;

    public YamlEventReader(string text, string file)
    {
        _parser = new Parser(new StringReader(text));
        _file = file;
    }

    /// <summary>The current event (after the first call that reads one), or null at the very start.</summary>
    public ParsingEvent? Current => _parser.Current;

    public bool TryConsume<T>(out T @event)
        where T : ParsingEvent
    {
        var (ok, result) = Guard(() => (_parser.TryConsume<T>(out var e), e));
        @event = result!;
        return ok;
    }

    public bool Accept<T>()
        where T : ParsingEvent => Guard(() => _parser.Accept<T>(out _));

    public T Consume<T>()
        where T : ParsingEvent => Guard(() => _parser.Consume<T>());

    private TResult Guard<TResult>(Func<TResult> read)
    {
        try
        {
            var result = read();
            if (_parser.Current is { } current)
            {
                _lastLine = current.Start.Line;
            }

            return result;
        }
        catch (YamlException e)
        {
            throw new ConfigException($"{_file} line {e.Start.Line}: invalid YAML: {e.Message}", e);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or EndOfStreamException or FormatException or OverflowException)
        {
            throw new ConfigException($"{_file} line {_lastLine} or after: invalid YAML ({e.Message})", e);
        }
    }
}
