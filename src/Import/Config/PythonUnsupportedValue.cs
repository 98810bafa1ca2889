namespace Detserve.Import.Config;

/// <summary>
/// A Python value that <c>ast.literal_eval</c> produces but yacs refuses as a config value (dict, set, bytes,
/// complex, Ellipsis). Kept only to report yacs' type-mismatch error with the right type name.
/// </summary>
internal sealed record PythonUnsupportedValue(string TypeName);
