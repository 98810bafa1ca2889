using System.Text;

namespace Detserve.Eval.Evaluation;

/// <summary>
/// The subset of <c>tabulate(rows, headers, tablefmt="pipe", floatfmt=".3f")</c> that Detectron2's tables use
/// (detectron2/utils/logger.py <c>create_small_table</c>, COCOEvaluator's per-category table): string and float
/// columns, missing cells empty, column width = max(header + 2, widest cell), one space of padding, and the
/// alignment colons under the header.
/// </summary>
internal static class PipeTable
{
    public enum Align
    {
        Left,
        Center,
    }

    /// <summary>Formats the table. A cell is a string, a double (".3f") or null (missing).</summary>
    public static string Format(IReadOnlyList<string> headers, IReadOnlyList<object?[]> rows, Align stringAlign, Align numberAlign)
    {
        int columns = headers.Count;
        var cells = new string[rows.Count, columns];
        var align = new Align[columns];
        var widths = new int[columns];
        for (int c = 0; c < columns; c++)
        {
            bool numeric = rows.Count > 0 && rows.All(r => r[c] is null or double) && rows.Any(r => r[c] is double);
            align[c] = numeric ? numberAlign : stringAlign;
            widths[c] = headers[c].Length + 2;
            for (int r = 0; r < rows.Count; r++)
            {
                string text = rows[r][c] switch
                {
                    null => string.Empty,
                    double d => PythonFormat.Fixed(d, 3),
                    object o => o.ToString()!.Trim(),
                };
                cells[r, c] = text;
                widths[c] = Math.Max(widths[c], text.Length);
            }
        }

        var table = new StringBuilder();
        table.Append('|');
        for (int c = 0; c < columns; c++)
        {
            table.Append(' ').Append(Pad(headers[c], widths[c], align[c])).Append(" |");
        }

        table.Append('\n').Append('|');
        for (int c = 0; c < columns; c++)
        {
            int w = widths[c] + 2;
            table.Append(align[c] == Align.Left ? ":" + new string('-', w - 1) : ":" + new string('-', w - 2) + ":").Append('|');
        }

        for (int r = 0; r < rows.Count; r++)
        {
            table.Append('\n').Append('|');
            for (int c = 0; c < columns; c++)
            {
                table.Append(' ').Append(Pad(cells[r, c], widths[c], align[c])).Append(" |");
            }
        }

        return table.ToString();
    }

    // Python's str.ljust and '{:^w}' (centre: the extra space goes right).
    private static string Pad(string text, int width, Align align)
    {
        int fill = width - text.Length;
        if (fill <= 0)
        {
            return text;
        }

        if (align == Align.Left)
        {
            return text + new string(' ', fill);
        }

        int left = fill / 2;
        return new string(' ', left) + text + new string(' ', fill - left);
    }
}
