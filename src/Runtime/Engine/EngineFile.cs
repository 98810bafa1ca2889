using System.Buffers.Binary;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Detserve.Graph;
using Detserve.Graph.Spec;
using Detserve.Import;
using Detserve.Import.Config;
using Detserve.Import.Model;

namespace Detserve.Runtime.Engine;

/// <summary>
/// The .engine file: a model compiled once (FrozenBN folded, conv + bias + residual + ReLU fused) with its resolved config, so a run
/// skips config resolution, pickle reading, weight binding and compilation. Layout, all little-endian:
/// <code>
///   0  "DSENGINE"                 magic
///   8  u32 format version         (<see cref="FormatVersion"/>; a newer file is refused with the version it needs)
///  12  u32 flags                  (0)
///  16  u64 JSON length
///  24  u64 data offset            (64-byte aligned, after the JSON)
///  32  u64 data length
///  40  32 bytes SHA-256 of the JSON
///  72  JSON (UTF-8): format, versions, build { precision, max_batch, shape_buckets }, source, model, config_yaml, feature_levels,
///      graphs { dense, box_head, mask_head } (<see cref="GraphCodec"/>), tensors [ { name, offset, count, sha256 } ]
///  data: float32 tensors, each 64-byte aligned, each with its own SHA-256 in the JSON
/// </code>
/// Written to a temporary file beside the target and renamed, so a failed build never leaves half an engine under the name.
/// </summary>
public static class EngineFile
{
    /// <summary>The format version this build writes and the newest it reads.</summary>
    public const int FormatVersion = 1;

    private const int HeaderBytes = 72;
    private const int Alignment = 64;
    private const long MaxJsonBytes = 256L << 20;
    private static readonly byte[] Magic = "DSENGINE"u8.ToArray();

    /// <summary>Writes <paramref name="model"/> (graphs as built or compiled; they are compiled here) with its config to <paramref name="path"/>.</summary>
    /// <param name="path">The engine file to create or replace.</param>
    /// <param name="config">The resolved config the model was built from (stored as YAML; runs read the architecture from it).</param>
    /// <param name="model">The model graphs.</param>
    /// <param name="precision">"fp32" or "fp16": the precision runs use by default.</param>
    /// <param name="maxBatch">The largest batch a run accepts (at least 1).</param>
    /// <param name="source">Provenance.</param>
    /// <param name="shapeBuckets">Shape buckets runs use by default, or null.</param>
    /// <returns>The metadata written.</returns>
    public static EngineInfo Write(string path, CfgNode config, ModelGraph model, string precision, int maxBatch, EngineSource source,
        ShapeBuckets? shapeBuckets = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(precision);
        ArgumentNullException.ThrowIfNull(source);
        RequireLittleEndian(path);
        if (precision is not ("fp32" or "fp16")) throw new EngineException($"{path}: precision '{precision}' must be fp32 or fp16");
        if (maxBatch < 1) throw new EngineException($"{path}: max batch {maxBatch} must be at least 1");

        var tensors = new List<(string Name, float[] Values, long Offset, string Sha256)>();
        long dataLength = 0;
        int Store(string name, float[] values)
        {
            long offset = AlignUp(dataLength);
            tensors.Add((name, values, offset, Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(values.AsSpan())))));
            dataLength = offset + (long)values.Length * sizeof(float);
            return tensors.Count - 1;
        }

        ArchitectureSpec arch = model.Architecture;
        string created = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var jsonBuffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(jsonBuffer, new JsonWriterOptions { Indented = false }))
        {
            json.WriteStartObject();
            json.WriteString("format", "detserve-engine");
            json.WriteNumber("format_version", FormatVersion);
            json.WriteString("detserve_version", DetserveVersion);
            json.WriteString("created_utc", created);
            json.WriteStartObject("build");
            json.WriteString("precision", precision);
            json.WriteNumber("max_batch", maxBatch);
            if (shapeBuckets is null) json.WriteNull("shape_buckets");
            else json.WriteString("shape_buckets", shapeBuckets.ToString());
            json.WriteEndObject();
            json.WriteStartObject("source");
            json.WriteString("config", source.Config);
            json.WriteString("weights", source.Weights);
            if (source.WeightsSha256 is null) json.WriteNull("weights_sha256");
            else json.WriteString("weights_sha256", source.WeightsSha256);
            json.WriteStartArray("overrides");
            foreach (string o in source.Overrides) json.WriteStringValue(o);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteStartObject("model");
            json.WriteString("meta_architecture", arch.MetaArchitecture.ToString());
            json.WriteNumber("num_classes", arch.NumClasses);
            json.WriteBoolean("mask_on", model.MaskHead is not null);
            json.WriteEndObject();
            json.WriteString("config_yaml", config.ToYaml());
            json.WriteStartArray("feature_levels");
            foreach ((string name, int stride) in model.FeatureLevels)
            {
                json.WriteStartObject();
                json.WriteString("name", name);
                json.WriteNumber("stride", stride);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartObject("graphs");
            WriteGraph(json, "dense", model.Dense, Store);
            WriteGraph(json, "box_head", model.BoxHead, Store);
            WriteGraph(json, "mask_head", model.MaskHead, Store);
            json.WriteEndObject();
            json.WriteStartArray("tensors");
            foreach (var t in tensors)
            {
                json.WriteStartObject();
                json.WriteString("name", t.Name);
                json.WriteNumber("offset", t.Offset);
                json.WriteNumber("count", t.Values.Length);
                json.WriteString("sha256", t.Sha256);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        ReadOnlySpan<byte> jsonBytes = jsonBuffer.WrittenSpan;
        long dataOffset = AlignUp(HeaderBytes + jsonBytes.Length);

        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (dir is not null && !Directory.Exists(dir)) throw new EngineException($"{path}: folder {dir} does not exist");
        string temp = full + $".tmp-{Environment.ProcessId}";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> header = stackalloc byte[HeaderBytes];
                Magic.CopyTo(header);
                BinaryPrimitives.WriteUInt32LittleEndian(header[8..], FormatVersion);
                BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0);
                BinaryPrimitives.WriteUInt64LittleEndian(header[16..], (ulong)jsonBytes.Length);
                BinaryPrimitives.WriteUInt64LittleEndian(header[24..], (ulong)dataOffset);
                BinaryPrimitives.WriteUInt64LittleEndian(header[32..], (ulong)dataLength);
                SHA256.HashData(jsonBytes, header[40..]);
                stream.Write(header);
                stream.Write(jsonBytes);
                WriteZeros(stream, dataOffset - HeaderBytes - jsonBytes.Length);
                long written = 0;
                foreach (var t in tensors)
                {
                    WriteZeros(stream, t.Offset - written);
                    stream.Write(MemoryMarshal.AsBytes(t.Values.AsSpan()));
                    written = t.Offset + (long)t.Values.Length * sizeof(float);
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (IOException e)
        {
            TryDelete(temp);
            throw new EngineException($"{path}: cannot write the engine: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            TryDelete(temp);
            throw new EngineException($"{path}: cannot write the engine: {e.Message}", e);
        }
        return new EngineInfo(full, FormatVersion, DetserveVersion, created, precision, maxBatch, shapeBuckets?.ToString(), source, arch.MetaArchitecture.ToString(),
            arch.NumClasses, model.MaskHead is not null, tensors.Count, dataLength);
    }

    /// <summary>Reads only the metadata (header and JSON; no tensor data).</summary>
    /// <exception cref="EngineException">not an engine, a newer format, truncated or corrupt.</exception>
    public static EngineInfo ReadInfo(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using FileStream stream = Open(path);
        (Header header, byte[] jsonBytes) = ReadHeader(stream, path);
        using JsonDocument doc = ParseJson(jsonBytes, path);
        return Info(doc.RootElement, path, header);
    }

    /// <summary>
    /// Loads an engine: the embedded config with <paramref name="overrides"/> (only test-time keys, see <see cref="EngineOverrides"/>),
    /// its architecture, and the compiled graphs with every tensor checked against its SHA-256.
    /// </summary>
    /// <exception cref="EngineException">the file, a field, a graph node or a tensor is wrong; the message names it.</exception>
    public static LoadedEngine Load(string path, IReadOnlyList<string>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        RequireLittleEndian(path);
        overrides ??= [];
        EngineOverrides.Check(overrides, path);
        using FileStream stream = Open(path);
        (Header header, byte[] jsonBytes) = ReadHeader(stream, path);
        using JsonDocument doc = ParseJson(jsonBytes, path);
        JsonElement root = doc.RootElement;
        EngineInfo info = Info(root, path, header);

        CfgNode cfg;
        ArchitectureSpec arch;
        try
        {
            cfg = ConfigLoader.LoadResolvedText(Str(root, "config_yaml", path), $"{path} (embedded config)", overrides);
            arch = ArchitectureMapper.FromConfig(cfg);
        }
        catch (ImportException e)
        {
            throw new EngineException($"{path}: the embedded config does not load: {e.Message}", e);
        }
        if (arch.MetaArchitecture.ToString() != info.MetaArchitecture || arch.NumClasses != info.NumClasses)
            throw new EngineException($"{path}: the embedded config describes {arch.MetaArchitecture} with {arch.NumClasses} classes, the model section {info.MetaArchitecture} with {info.NumClasses}");

        TensorEntry[] entries = Obj(root, "tensors", path, JsonValueKind.Array).EnumerateArray()
            .Select((t, i) => TensorEntry.Parse(t, i, path, header.DataLength)).ToArray();
        var used = new bool[entries.Length];
        float[] LoadTensor(int index, string name, long count)
        {
            if ((uint)index >= (uint)entries.Length)
                throw new EngineException($"{path}: {name} refers to tensor {index}, the file has {entries.Length}");
            TensorEntry e = entries[index];
            if (count >= 0 && e.Count != count)
                throw new EngineException($"{path}: tensor '{e.Name}' has {e.Count} values, {name} needs {count}");
            used[index] = true;
            var values = new float[e.Count];
            Span<byte> bytes = MemoryMarshal.AsBytes(values.AsSpan());
            int read = ReadFully(stream, bytes, header.DataOffset + e.Offset);
            if (read < bytes.Length)
                throw new EngineException($"{path}: tensor '{e.Name}' is cut off at byte {header.DataOffset + e.Offset + read} (truncated file)");
            if (!Convert.ToHexStringLower(SHA256.HashData(bytes)).Equals(e.Sha256, StringComparison.Ordinal))
                throw new EngineException($"{path}: tensor '{e.Name}' (offset {header.DataOffset + e.Offset}) does not match its SHA-256: the file is corrupt");
            return values;
        }

        JsonElement graphs = Obj(root, "graphs", path, JsonValueKind.Object);
        NetworkGraph dense = GraphCodec.Read(Obj(graphs, "dense", path + " graphs", JsonValueKind.Object), "dense", LoadTensor);
        NetworkGraph? box = OptionalGraph(graphs, "box_head", path, LoadTensor);
        NetworkGraph? mask = OptionalGraph(graphs, "mask_head", path, LoadTensor);
        for (int i = 0; i < used.Length; i++)
            if (!used[i]) throw new EngineException($"{path}: tensor '{entries[i].Name}' is not used by any graph");
        var levels = Obj(root, "feature_levels", path, JsonValueKind.Array).EnumerateArray()
            .Select(l => (Str(l, "name", path + " feature_levels"), Int(l, "stride", path + " feature_levels"))).ToArray();
        foreach ((string name, _) in levels)
            if (!dense.Outputs.ContainsKey(name)) throw new EngineException($"{path}: feature level '{name}' is not an output of the dense graph");
        if (arch.MetaArchitecture == MetaArchitecture.GeneralizedRCNN && box is null)
            throw new EngineException($"{path}: a GeneralizedRCNN engine needs graphs.box_head");
        if (arch.MaskOn != (mask is not null))
            throw new EngineException($"{path}: the config says MASK_ON {arch.MaskOn}, the file {(mask is null ? "has no" : "has a")} mask head");
        return new LoadedEngine(info, cfg, new ModelGraph(arch, dense, box, mask, levels));
    }

    private static NetworkGraph? OptionalGraph(JsonElement graphs, string name, string path, Func<int, string, long, float[]> load)
    {
        if (!graphs.TryGetProperty(name, out JsonElement g)) throw new EngineException($"{path}: graphs.{name} is missing");
        if (g.ValueKind == JsonValueKind.Null) return null;
        return GraphCodec.Read(g, name, load);
    }

    private static void WriteGraph(Utf8JsonWriter json, string name, NetworkGraph? graph, Func<string, float[], int> store)
    {
        if (graph is null)
        {
            json.WriteNull(name);
            return;
        }
        json.WritePropertyName(name);
        GraphCodec.Write(json, Graph.Compile.GraphCompiler.Compile(graph), store);
    }

    private readonly record struct Header(int Version, long JsonLength, long DataOffset, long DataLength);

    private static FileStream Open(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EngineException($"{path}: cannot open the engine: {e.Message}", e);
        }
    }

    private static (Header, byte[]) ReadHeader(FileStream stream, string path)
    {
        long length = stream.Length;
        Span<byte> h = stackalloc byte[HeaderBytes];
        int headerRead = ReadFully(stream, h[..(int)Math.Min(length, HeaderBytes)], 0);
        if (headerRead < Magic.Length || !h[..Magic.Length].SequenceEqual(Magic))
            throw new EngineException($"{path}: not a Detserve engine file (no DSENGINE magic); build one with detserve build");
        if (length < HeaderBytes) throw new EngineException($"{path}: truncated engine: {length} bytes, the header alone is {HeaderBytes}");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(h[8..]);
        if (version > FormatVersion)
            throw new EngineException($"{path}: engine format {version} was written by a newer Detserve; this build reads format {FormatVersion}: rebuild the engine or update Detserve");
        if (version == 0) throw new EngineException($"{path}: engine format version 0 is invalid");
        ulong jsonLength = BinaryPrimitives.ReadUInt64LittleEndian(h[16..]);
        ulong dataOffset = BinaryPrimitives.ReadUInt64LittleEndian(h[24..]);
        ulong dataLength = BinaryPrimitives.ReadUInt64LittleEndian(h[32..]);
        if (jsonLength == 0 || jsonLength > MaxJsonBytes)
            throw new EngineException($"{path}: header JSON length {jsonLength} is outside 1..{MaxJsonBytes}: the file is corrupt");
        if (dataOffset < HeaderBytes + jsonLength || dataOffset % Alignment != 0 || dataOffset > long.MaxValue / 2 || dataLength > long.MaxValue / 2)
            throw new EngineException($"{path}: header data offset {dataOffset} / length {dataLength} are invalid: the file is corrupt");
        if ((ulong)length < dataOffset + dataLength)
            throw new EngineException($"{path}: truncated engine: {length} bytes, the header says {dataOffset + dataLength}");
        var json = new byte[jsonLength];
        if (ReadFully(stream, json, HeaderBytes) < json.Length)
            throw new EngineException($"{path}: truncated engine: the JSON header is cut off");
        if (!SHA256.HashData(json).AsSpan().SequenceEqual(h.Slice(40, 32)))
            throw new EngineException($"{path}: the engine's JSON does not match its SHA-256: the file is corrupt");
        return (new Header((int)version, (long)jsonLength, (long)dataOffset, (long)dataLength), json);
    }

    private static JsonDocument ParseJson(byte[] json, string path)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new EngineException($"{path}: the engine's JSON does not parse: {e.Message}", e);
        }
    }

    private static EngineInfo Info(JsonElement root, string path, Header header)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new EngineException($"{path}: the engine's JSON is not an object");
        if (Str(root, "format", path) != "detserve-engine") throw new EngineException($"{path}: field 'format' is not \"detserve-engine\"");
        JsonElement build = Obj(root, "build", path, JsonValueKind.Object);
        JsonElement source = Obj(root, "source", path, JsonValueKind.Object);
        JsonElement model = Obj(root, "model", path, JsonValueKind.Object);
        string precision = Str(build, "precision", path + " build");
        if (precision is not ("fp32" or "fp16")) throw new EngineException($"{path}: build.precision '{precision}' is not fp32 or fp16");
        int maxBatch = Int(build, "max_batch", path + " build");
        if (maxBatch < 1) throw new EngineException($"{path}: build.max_batch {maxBatch} must be at least 1");
        string? buckets = build.TryGetProperty("shape_buckets", out JsonElement b) && b.ValueKind == JsonValueKind.String ? b.GetString() : null;
        if (buckets is not null)
        {
            try
            {
                buckets = ShapeBuckets.Parse(buckets).ToString();
            }
            catch (FormatException e)
            {
                throw new EngineException($"{path}: build.shape_buckets: {e.Message}", e);
            }
        }
        string? sha = source.TryGetProperty("weights_sha256", out JsonElement s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        var overrides = Obj(source, "overrides", path + " source", JsonValueKind.Array).EnumerateArray()
            .Select(o => o.ValueKind == JsonValueKind.String ? o.GetString()! : throw new EngineException($"{path}: source.overrides holds a non-string")).ToArray();
        var src = new EngineSource(Str(source, "config", path + " source"), Str(source, "weights", path + " source"), sha, overrides);
        JsonElement tensors = Obj(root, "tensors", path, JsonValueKind.Array);
        bool maskOn = Obj(model, "mask_on", path + " model", JsonValueKind.True, JsonValueKind.False).GetBoolean();
        return new EngineInfo(Path.GetFullPath(path), header.Version, Str(root, "detserve_version", path), Str(root, "created_utc", path), precision, maxBatch,
            buckets, src, Str(model, "meta_architecture", path + " model"), Int(model, "num_classes", path + " model"), maskOn, tensors.GetArrayLength(), header.DataLength);
    }

    private readonly record struct TensorEntry(string Name, long Offset, long Count, string Sha256)
    {
        public static TensorEntry Parse(JsonElement t, int index, string path, long dataLength)
        {
            string where = $"{path} tensors[{index}]";
            string name = Str(t, "name", where);
            where = $"{path} tensor '{name}'";
            long offset = Long(t, "offset", where), count = Long(t, "count", where);
            string sha = Str(t, "sha256", where);
            if (offset < 0 || count < 0 || count > int.MaxValue || offset % Alignment != 0 || offset + count * sizeof(float) > dataLength)
                throw new EngineException($"{where}: offset {offset} and count {count} do not lie in the {dataLength} data bytes");
            return new TensorEntry(name, offset, count, sha);
        }
    }

    private static JsonElement Obj(JsonElement e, string name, string where, params JsonValueKind[] kinds)
    {
        if (!e.TryGetProperty(name, out JsonElement v)) throw new EngineException($"{where}: field '{name}' is missing");
        if (!kinds.Contains(v.ValueKind)) throw new EngineException($"{where}: field '{name}' is {v.ValueKind}, expected {string.Join(" or ", kinds)}");
        return v;
    }

    private static string Str(JsonElement e, string name, string where) => Obj(e, name, where, JsonValueKind.String).GetString()!;

    private static int Int(JsonElement e, string name, string where) =>
        Obj(e, name, where, JsonValueKind.Number).TryGetInt32(out int v) ? v : throw new EngineException($"{where}: field '{name}' is not a 32-bit integer");

    private static long Long(JsonElement e, string name, string where) =>
        Obj(e, name, where, JsonValueKind.Number).TryGetInt64(out long v) ? v : throw new EngineException($"{where}: field '{name}' is not an integer");

    /// <summary>Reads until <paramref name="buffer"/> is full or the file ends; returns the bytes read.</summary>
    private static int ReadFully(FileStream stream, Span<byte> buffer, long offset)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = RandomAccess.Read(stream.SafeFileHandle, buffer[read..], offset + read);
            if (n == 0) break;
            read += n;
        }
        return read;
    }

    private static long AlignUp(long n) => (n + Alignment - 1) / Alignment * Alignment;

    private static void WriteZeros(Stream stream, long count)
    {
        Span<byte> zeros = stackalloc byte[Alignment];
        zeros.Clear();
        while (count > 0)
        {
            int n = (int)Math.Min(count, Alignment);
            stream.Write(zeros[..n]);
            count -= n;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the temporary file is named after the engine, so the user sees what it was.
        }
    }

    private static void RequireLittleEndian(string path)
    {
        if (!BitConverter.IsLittleEndian) throw new EngineException($"{path}: engine files are little-endian; this machine is big-endian");
    }

    private static string DetserveVersion =>
        typeof(EngineFile).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
