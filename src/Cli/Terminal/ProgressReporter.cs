using System.Diagnostics;

namespace Detserve.Cli.Terminal;

/// <summary>
/// Progress of long work over a known number of items. On a terminal it redraws one bar line on stderr
/// ("infer [#########.........]  9/20  45%  1.2 img/s  eta 9s  t05.png"); when stderr is redirected it writes one
/// plain line per item instead, so logs stay readable. Results go to stdout; progress never does.
/// </summary>
public sealed class ProgressReporter : IDisposable
{
    private const int BarWidth = 30;
    private readonly string _title;
    private readonly int _total;
    private readonly TextWriter _writer;
    private readonly bool _interactive;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _done;
    private bool _finished;

    public ProgressReporter(string title, int total, TextWriter writer, bool interactive)
    {
        _title = title;
        _total = total;
        _writer = writer;
        _interactive = interactive;
        if (_interactive) Draw(string.Empty);
    }

    /// <summary>A reporter on the process's stderr, interactive when stderr is a terminal.</summary>
    public static ProgressReporter ForConsole(string title, int total) =>
        new(title, total, Console.Error, !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb");

    /// <summary>Marks one item finished; <paramref name="item"/> names it, <paramref name="note"/> is shown beside it (e.g. "12 detections" or "FAILED").</summary>
    public void Advance(string item, string note)
    {
        _done++;
        if (_interactive)
        {
            Draw($"{item} {note}");
        }
        else
        {
            _writer.WriteLine($"{_title} [{_done}/{_total}] {item}: {note} ({_clock.Elapsed.TotalSeconds:F1} s)");
        }
    }

    /// <summary>Ends the bar line.</summary>
    public void Dispose()
    {
        if (_finished) return;
        _finished = true;
        if (_interactive) _writer.WriteLine();
    }

    private void Draw(string item)
    {
        double fraction = _total == 0 ? 1 : (double)_done / _total;
        int filled = (int)Math.Round(fraction * BarWidth);
        double seconds = _clock.Elapsed.TotalSeconds;
        double rate = seconds > 0 ? _done / seconds : 0;
        string eta = rate > 0 && _done < _total ? $" eta {TimeSpan.FromSeconds((_total - _done) / rate):mm\\:ss}" : string.Empty;
        if (item.Length > 40) item = item[..37] + "...";
        _writer.Write($"\r{_title} [{new string('#', filled)}{new string('.', BarWidth - filled)}] {_done}/{_total} {fraction * 100,3:F0}% {rate:F2}/s{eta} {item}".PadRight(110));
        _writer.Flush();
    }
}
