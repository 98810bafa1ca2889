using System.Globalization;
using System.Text.RegularExpressions;

namespace Detserve.Backends.Cuda.Nvrtc;

/// <summary>
/// How to compile one kernel: target architecture, compile-time constants (as -D, never pasted into the
/// source), include directories. <see cref="ToArguments"/> gives NVRTC's option strings in a fixed order,
/// which is also what the disk cache keys on.
/// </summary>
/// <param name="Arch">Real architecture, e.g. "sm_90" (from <see cref="CudaDevice.Arch"/>); NVRTC then emits CUBIN, no PTX JIT at load.</param>
/// <param name="Defines">Macro name and value pairs, in order.</param>
/// <param name="IncludeDirectories">-I directories (e.g. the CUDA toolkit's include folder).</param>
public sealed partial record NvrtcOptions(string Arch, IReadOnlyList<KeyValuePair<string, string>> Defines, IReadOnlyList<string> IncludeDirectories)
{
    /// <summary>Options for <paramref name="arch"/> with no defines or includes.</summary>
    public NvrtcOptions(string arch)
        : this(arch, [], [])
    {
    }

    /// <summary>A copy with one more -D name=value.</summary>
    public NvrtcOptions Define(string name, string value)
    {
        if (!MacroName().IsMatch(name)) throw new ArgumentException($"'{name}' is not a valid macro name", nameof(name));
        ArgumentNullException.ThrowIfNull(value);
        return this with { Defines = [.. Defines, new(name, value)] };
    }

    /// <summary>A copy with one more -D name=value (int).</summary>
    public NvrtcOptions Define(string name, int value) => Define(name, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A copy with one more -D name=value (float), written as __int_as_float(0xBITS) so the device sees the exact value.</summary>
    public NvrtcOptions Define(string name, float value) =>
        Define(name, string.Create(CultureInfo.InvariantCulture, $"__int_as_float(0x{BitConverter.SingleToUInt32Bits(value):x8})"));

    /// <summary>A copy with one more include directory.</summary>
    public NvrtcOptions Include(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return this with { IncludeDirectories = [.. IncludeDirectories, directory] };
    }

    /// <summary>
    /// NVRTC's argument strings: architecture, C++ standard, IEEE-exact float math (parity with the CPU references
    /// needs it: no fast-math, no FMA contraction across our explicit formulas), line info, then -D and -I in order.
    /// </summary>
    public IReadOnlyList<string> ToArguments()
    {
        if (!ArchName().IsMatch(Arch)) throw new ArgumentException($"'{Arch}' is not an sm_XY architecture", nameof(Arch));
        var args = new List<string>
        {
            "--gpu-architecture=" + Arch,
            "--std=c++17",
            "--fmad=false",
            "--generate-line-info",
        };
        foreach (var (name, value) in Defines) args.Add($"-D{name}={value}");
        foreach (string dir in IncludeDirectories) args.Add("-I" + dir);
        return args;
    }

    /// <summary>Defines as "A=1 B=2" for messages and cache file names.</summary>
    public string DefinesText => string.Join(" ", Defines.Select(d => $"{d.Key}={d.Value}"));

    /// <summary>Record equality by value over the lists (the generated one compares references).</summary>
    public bool Equals(NvrtcOptions? other) =>
        other is not null && Arch == other.Arch && Defines.SequenceEqual(other.Defines) && IncludeDirectories.SequenceEqual(other.IncludeDirectories);

    /// <summary>Hash consistent with <see cref="Equals(NvrtcOptions?)"/>.</summary>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Arch);
        foreach (var d in Defines) hash.Add(d);
        foreach (var i in IncludeDirectories) hash.Add(i);
        return hash.ToHashCode();
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex MacroName();

    [GeneratedRegex("^sm_[0-9]{2,3}a?$")]
    private static partial Regex ArchName();
}
