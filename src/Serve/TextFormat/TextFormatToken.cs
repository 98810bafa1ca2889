namespace Detserve.Serve.TextFormat;

/// <summary>
/// One token of protobuf text format. For <see cref="TextFormatTokenKind.String"/> the <paramref name="Text"/>
/// is the unescaped byte content (Latin-1 chars 0..255) with adjacent literals already concatenated.
/// </summary>
public readonly record struct TextFormatToken(TextFormatTokenKind Kind, string Text, int Line, int Column)
{
    public bool IsSymbol(char symbol) => Kind == TextFormatTokenKind.Symbol && Text.Length == 1 && Text[0] == symbol;
}
