namespace Detserve.Import.Weights;

/// <summary>A global (module + qualified name) that a pickle referred to with GLOBAL, STACK_GLOBAL or INST and that the allowlist admits.</summary>
/// <param name="Module">Module, after Python 2 names are mapped as pickle's fix_imports does (__builtin__ -> builtins).</param>
/// <param name="Name">Qualified name inside the module.</param>
public sealed record PickleGlobal(string Module, string Name)
{
    /// <summary>"module.name", as messages print it.</summary>
    public string FullName => Module + "." + Name;
}
