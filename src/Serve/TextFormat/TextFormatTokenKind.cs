namespace Detserve.Serve.TextFormat;

public enum TextFormatTokenKind
{
    End,
    Identifier,
    Number,
    String,
    Symbol,
}
