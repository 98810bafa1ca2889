using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Detserve.Import.Config;

/// <summary>
/// Reads one YAML document into a plain tree the way PyYAML's <c>yaml.safe_load</c> does (mappings become
/// <see cref="CfgNode"/>, sequences <see cref="CfgList"/> lists, scalars are typed by <see cref="PyYamlScalars"/>),
/// plus the one unsafe tag the zoo uses, <c>!!python/object/apply:eval</c>, evaluated by
/// <see cref="SafeExpressionEvaluator"/>. Built on YamlDotNet's low-level event parser; anchors and aliases are
/// expanded by copy under <see cref="YamlLimits.MaxNodes"/>, merge keys (<c>&lt;&lt;</c>) follow PyYAML's
/// <c>SafeConstructor.flatten_mapping</c>, duplicate keys keep the last value (a Python dict). Every error is a
/// <see cref="ConfigException"/> naming the file and line.
/// </summary>
internal sealed class YamlTreeReader
{
    private const string EvalTag = "tag:yaml.org,2002:python/object/apply:eval";
    private const string SeqTag = "tag:yaml.org,2002:seq";
    private const string MapTag = "tag:yaml.org,2002:map";
    private const string YamlTagPrefix = "tag:yaml.org,2002:";

    private readonly string _file;
    private readonly YamlLimits _limits;
    private readonly Dictionary<string, (object? Value, int Size)> _anchors = new(StringComparer.Ordinal);
    private readonly YamlEventReader _parser;
    private readonly LoadBudget _budget;

    private YamlTreeReader(string file, string text, YamlLimits limits, LoadBudget budget)
    {
        _budget = budget;
        _file = file;
        _limits = limits;
        _parser = new YamlEventReader(text, file);
    }

    /// <summary>
    /// Reads a YAML file: size checked against <see cref="YamlLimits.MaxFileBytes"/> before reading, strict UTF-8.
    /// Returns the document's top-level value (null for an empty document).
    /// </summary>
    public static object? ReadFile(string path, YamlLimits limits, LoadBudget? budget = null)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new ConfigException($"Config file '{path}' does not exist!");
            }

            if (info.Length > limits.MaxFileBytes)
            {
                throw new ConfigException($"{path}: {info.Length} bytes is more than the {limits.MaxFileBytes}-byte limit for a config file");
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new ConfigException($"{path}: cannot read the config file: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ConfigException($"{path}: cannot read the config file: {e.Message}", e);
        }

        return ReadBytes(bytes, path, limits, budget);
    }

    /// <summary>Reads YAML from bytes (strict UTF-8, an initial BOM skipped); <paramref name="sourceName"/> names it in errors.</summary>
    public static object? ReadBytes(ReadOnlySpan<byte> bytes, string sourceName, YamlLimits limits, LoadBudget? budget = null)
    {
        if (bytes.Length > limits.MaxFileBytes)
        {
            throw new ConfigException($"{sourceName}: {bytes.Length} bytes is more than the {limits.MaxFileBytes}-byte limit for a config file");
        }

        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new ConfigException($"{sourceName}: not valid UTF-8 text (byte offset {e.Index})", e);
        }

        return ReadText(text, sourceName, limits, budget);
    }

    /// <summary>Reads YAML text; <paramref name="sourceName"/> names it in errors.</summary>
    public static object? ReadText(string text, string sourceName, YamlLimits limits, LoadBudget? budget = null)
    {
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            // PyYAML's scanner skips a byte-order mark at the start of the stream.
            text = text[1..];
        }

        CheckPrintable(text, sourceName);
        return new YamlTreeReader(sourceName, text, limits, budget ?? new LoadBudget()).ReadSingleDocument();
    }

    /// <summary>
    /// PyYAML's Reader refuses characters outside YAML's printable set (lib/yaml/reader.py <c>NON_PRINTABLE</c>):
    /// only TAB, LF, CR, x20-x7E, x85, xA0-xD7FF, xE000-xFFFD and the astral planes.
    /// </summary>
    private static void CheckPrintable(string text, string sourceName)
    {
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n')
            {
                line++;
                continue;
            }

            if (c is '\t' or '\r' or (>= '\x20' and <= '\x7E') or '\x85' or (>= '\xA0' and <= '\uD7FF') or (>= '\uE000' and <= '\uFFFD'))
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            throw new ConfigException($"{sourceName} line {line}: special character U+{(int)c:X4} is not allowed in YAML");
        }
    }

    private object? ReadSingleDocument()
    {
        _parser.Consume<StreamStart>();
        if (_parser.TryConsume<StreamEnd>(out _))
        {
            return null;
        }

        _parser.Consume<DocumentStart>();
        var value = ReadNode(depth: 1, path: string.Empty, allowMappingInSequence: false);
        _parser.Consume<DocumentEnd>();
        if (!_parser.Accept<StreamEnd>())
        {
            throw new ConfigException($"{_file} line {_parser.Current?.Start.Line}: expected a single document in the stream, found another");
        }

        return value;
    }

    private object? ReadNode(int depth, string path, bool allowMappingInSequence)
    {
        if (depth > _limits.MaxDepth)
        {
            throw Error(_parser.Current, path, $"nesting deeper than {_limits.MaxDepth} levels");
        }

        if (_parser.TryConsume<AnchorAlias>(out var alias))
        {
            return ExpandAlias(alias, path);
        }

        if (_parser.TryConsume<Scalar>(out var scalar))
        {
            var value = ConstructScalar(scalar, path);
            CountNodes(1, scalar, path);
            Register(scalar, scalar.Anchor, value, 1, path);
            return value;
        }

        if (_parser.TryConsume<SequenceStart>(out var seqStart))
        {
            var start = _budget.Nodes;
            var tag = seqStart.Tag.IsEmpty ? null : seqStart.Tag.Value;
            var items = ReadSequenceItems(depth, path, allowMappings: allowMappingInSequence);
            object? value;
            if (tag == EvalTag)
            {
                value = EvaluateTag(seqStart, items, path);
            }
            else if (tag is null or "!" or SeqTag)
            {
                if (!allowMappingInSequence)
                {
                    value = new CfgList(items, isTuple: false);
                }
                else
                {
                    return items;
                }
            }
            else
            {
                throw UnsupportedTag(seqStart, tag, path);
            }

            CountNodes(1, seqStart, path);
            Register(seqStart, seqStart.Anchor, value, _budget.Nodes - start, path);
            return value;
        }

        if (_parser.TryConsume<MappingStart>(out var mapStart))
        {
            var start = _budget.Nodes;
            var tag = mapStart.Tag.IsEmpty ? null : mapStart.Tag.Value;
            if (tag is not (null or "!" or MapTag))
            {
                throw UnsupportedTag(mapStart, tag, path);
            }

            var node = ReadMapping(depth, path);
            CountNodes(1, mapStart, path);
            Register(mapStart, mapStart.Anchor, node, _budget.Nodes - start, path);
            return node;
        }

        throw Error(_parser.Current, path, $"unexpected YAML event {_parser.Current?.GetType().Name}");
    }

    private List<object?> ReadSequenceItems(int depth, string path, bool allowMappings)
    {
        var items = new List<object?>();
        while (!_parser.TryConsume<SequenceEnd>(out _))
        {
            var at = _parser.Current;
            var item = ReadNode(depth + 1, $"{path}[{items.Count}]", allowMappingInSequence: false);
            if (item is CfgNode && !allowMappings)
            {
                // yacs would keep a list of dicts, but no Detectron2 config key holds one; refusing keeps CfgList a list of leaves.
                throw Error(at, path, "a mapping inside a sequence is not supported in a config");
            }

            items.Add(item);
        }

        return items;
    }

    private CfgNode ReadMapping(int depth, string path)
    {
        // PyYAML's flatten_mapping: merged pairs ("<<") go first, in its order, then the mapping's own pairs;
        // inserting them in that order into a dict lets the own pairs win, as construct_mapping does.
        var merged = new List<(string Key, object? Value, SourceLocation? Origin)>();
        var own = new List<(string Key, object? Value, SourceLocation? Origin)>();
        while (!_parser.TryConsume<MappingEnd>(out _))
        {
            var keyEvent = _parser.Current;
            var (key, isMerge) = ReadKey(path);
            var childPath = path.Length == 0 ? key : $"{path}.{key}";
            if (isMerge)
            {
                var valueEvent = _parser.Current;
                var value = ReadNode(depth + 1, childPath, allowMappingInSequence: true);
                switch (value)
                {
                    case CfgNode single:
                        merged.AddRange(Pairs(single));
                        break;
                    case List<object?> many when many.All(m => m is CfgNode):
                        for (var i = many.Count - 1; i >= 0; i--)
                        {
                            merged.AddRange(Pairs((CfgNode)many[i]!));
                        }

                        break;
                    default:
                        throw Error(valueEvent, path, "expected a mapping or list of mappings for merging");
                }

                continue;
            }

            var item = ReadNode(depth + 1, childPath, allowMappingInSequence: false);
            own.Add((key, item, new SourceLocation(_file, (int)keyEvent!.Start.Line)));
        }

        var node = new CfgNode();
        foreach (var (key, value, origin) in merged.Concat(own))
        {
            node.Set(key, value, origin);
        }

        return node;
    }

    private static IEnumerable<(string Key, object? Value, SourceLocation? Origin)> Pairs(CfgNode node) =>
        node.Keys.Select(k =>
        {
            node.TryGetChild(k, out var v);
            return (k, v, node.OriginOf(k));
        }).ToList();

    /// <summary>A mapping key: a scalar (or alias of one) that PyYAML would construct as a str, or the merge key.</summary>
    private (string Key, bool IsMerge) ReadKey(string path)
    {
        var at = _parser.Current;
        if (_parser.TryConsume<Scalar>(out var scalar))
        {
            CountNodes(1, scalar, path);
            var isPlain = scalar.Style == ScalarStyle.Plain && scalar.Tag.IsEmpty;
            if (isPlain && PyYamlScalars.ResolvePlain(scalar.Value) == PyYamlScalars.MergeTag)
            {
                return (string.Empty, true);
            }

            if (isPlain && scalar.Value == "=")
            {
                // flatten_mapping retags a "=" (tag:yaml.org,2002:value) key as a str.
                return ("=", false);
            }

            var value = ConstructScalar(scalar, path);
            Register(scalar, scalar.Anchor, value, 1, path);
            return value is string s ? (s, false) : throw NonStringKey(at, path, value);
        }

        if (_parser.TryConsume<AnchorAlias>(out var alias))
        {
            var value = ExpandAlias(alias, path);
            return value is string s ? (s, false) : throw NonStringKey(at, path, value);
        }

        throw Error(at, path, "a mapping key must be a scalar (complex keys are not supported in a config)");
    }

    private ConfigException NonStringKey(ParsingEvent? at, string path, object? value) =>
        Error(at, path, $"mapping key {CfgValue.ToPythonRepr(value)} reads as {CfgValue.PythonTypeName(value)}; config keys must be strings");

    private object? ConstructScalar(Scalar scalar, string path)
    {
        var value = scalar.Value;
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag is null && scalar.Style != ScalarStyle.Plain)
        {
            return value;
        }

        // PyYAML resolves an untagged plain scalar implicitly, and also any scalar tagged with the non-specific "!".
        if (tag is null or "!")
        {
            tag = PyYamlScalars.ResolvePlain(value);
        }

        switch (tag)
        {
            case PyYamlScalars.StrTag:
                return value;
            case PyYamlScalars.NullTag:
                return null;
            case PyYamlScalars.BoolTag:
                return PyYamlScalars.ConstructBool(value) ?? throw Error(scalar, path, $"'{value}' is not a YAML bool");
            case PyYamlScalars.IntTag:
                return PyYamlScalars.ConstructInt(value) ?? throw Error(scalar, path, $"'{value}' is not an int Detserve can hold (64-bit)");
            case PyYamlScalars.FloatTag:
                return PyYamlScalars.ConstructFloat(value) ?? throw Error(scalar, path, $"'{value}' is not a YAML float");
            case PyYamlScalars.TimestampTag:
                throw Error(scalar, path, $"'{value}' reads as a YAML timestamp, which is not a valid config value type (yacs allows str, int, float, bool, None, list, tuple)");
            case PyYamlScalars.MergeTag or PyYamlScalars.ValueTag:
                throw Error(scalar, path, $"'{value}' cannot be a value (PyYAML has no constructor for {ShortTag(tag)})");
            default:
                throw UnsupportedTag(scalar, tag, path);
        }
    }

    private object EvaluateTag(SequenceStart at, List<object?> args, string path)
    {
        // PyYAML's construct_python_object_apply calls eval(*args): the zoo passes exactly one expression string.
        if (args.Count != 1 || args[0] is not string expression)
        {
            throw Error(at, path, "!!python/object/apply:eval takes exactly one string argument (the expression)");
        }

        var where = $"{_file} line {at.Start.Line}" + (path.Length > 0 ? $" ({path})" : string.Empty);
        return SafeExpressionEvaluator.Evaluate(expression, where);
    }

    private object? ExpandAlias(AnchorAlias alias, string path)
    {
        if (!_anchors.TryGetValue(alias.Value.Value, out var anchored))
        {
            throw Error(alias, path, $"found undefined alias '*{alias.Value.Value}'");
        }

        CountNodes(anchored.Size, alias, path);
        // A copy per use: a Python alias shares one object, but config trees are values and are merged in place later.
        return anchored.Value is CfgNode node ? node.Clone() : anchored.Value;
    }

    private void Register(ParsingEvent at, AnchorName anchor, object? value, int size, string path)
    {
        if (anchor.IsEmpty)
        {
            return;
        }

        // PyYAML's Composer refuses an anchor name used twice in a document ("found duplicate anchor").
        if (!_anchors.TryAdd(anchor.Value, (value, size)))
        {
            throw Error(at, path, $"found duplicate anchor '&{anchor.Value}'");
        }
    }

    private void CountNodes(int count, ParsingEvent at, string path)
    {
        _budget.Nodes += count;
        if (_budget.Nodes > _limits.MaxNodes)
        {
            throw Error(at, path, $"more than {_limits.MaxNodes} YAML nodes after alias expansion (limit against alias bombs)");
        }
    }

    private ConfigException UnsupportedTag(ParsingEvent at, string tag, string path) =>
        Error(at, path, $"YAML tag '{ShortTag(tag)}' is not supported; a config may use only the standard scalar/sequence/mapping tags and !!python/object/apply:eval (nothing is executed)");

    private static string ShortTag(string tag) =>
        tag.StartsWith(YamlTagPrefix, StringComparison.Ordinal) ? "!!" + tag[YamlTagPrefix.Length..] : tag;

    private ConfigException Error(ParsingEvent? at, string path, string message)
    {
        var line = at is null ? "?" : at.Start.Line.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var where = path.Length > 0 ? $" ({path})" : string.Empty;
        return new ConfigException($"{_file} line {line}{where}: {message}");
    }
}
