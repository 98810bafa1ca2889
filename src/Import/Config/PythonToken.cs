namespace Detserve.Import.Config;

/// <summary>One token of a Python expression; <paramref name="Position"/> is the 0-based character offset.</summary>
internal readonly record struct PythonToken(PythonTokenKind Kind, string Text, object? Value, int Position)
{
    public bool IsOp(string op) => Kind == PythonTokenKind.Op && Text == op;

    public bool IsName(string name) => Kind == PythonTokenKind.Name && Text == name;
}
