using System.Buffers.Binary;
using System.Text;
using Detserve.Graph;

namespace Detserve.Import.Weights.Tests;

/// <summary>
/// Test-only writer of the archives torch.save makes (torch/serialization.py _save): "&lt;archive&gt;/data.pkl" (protocol 2
/// pickle, tensors as torch._utils._rebuild_tensor_v2 over persistent-id storages), "&lt;archive&gt;/data/&lt;key&gt;",
/// "&lt;archive&gt;/byteorder", "&lt;archive&gt;/version"; entries stored (method 0) like PyTorchStreamWriter.
/// Also writes raw zip archives from (name, bytes) pairs for hostile-archive tests.
/// </summary>
internal static class TestTorchZipWriter
{
    /// <summary>A tensor to write as a view of a storage: <paramref name="Storage"/> elements, offset and strides in elements.</summary>
    public sealed record TensorView(string StorageKey, HostTensor Storage, long Offset, int[] Size, long[] Stride);

    /// <summary>Writes {"model": OrderedDict(name -> view), "iteration": 7} (or the bare state dict) as a torch archive.</summary>
    /// <param name="tensors">Name and view of each tensor.</param>
    /// <param name="wrapInModel">Write {"model": state_dict, "iteration": 7} rather than the bare state dict.</param>
    /// <param name="bigEndian">Write storages big-endian and say so in "byteorder".</param>
    /// <param name="archive">The archive's top folder.</param>
    /// <param name="v3DType">When set, write torch >= 2's form for new dtypes: untyped storages (count in bytes) and
    /// _rebuild_tensor_v3(..., torch.&lt;v3DType&gt;).</param>
    public static byte[] WriteCheckpoint(IReadOnlyList<(string Name, TensorView View)> tensors, bool wrapInModel = true, bool bigEndian = false, string archive = "archive", string? v3DType = null)
    {
        var pickle = new MemoryStream();
        var p = new TinyPickler(pickle);
        p.Proto2();
        if (wrapInModel)
        {
            p.Op('}');
            p.Str("model");
        }
        p.Global("collections", "OrderedDict");
        p.Op(')');
        p.Op('R');
        p.Op('(');
        foreach ((string name, TensorView view) in tensors)
        {
            p.Str(name);
            p.Global("torch._utils", v3DType is null ? "_rebuild_tensor_v2" : "_rebuild_tensor_v3");
            p.Op('(');
            // persistent id ('storage', torch.FloatStorage, key, 'cpu', numel) (v3: torch.storage.UntypedStorage and a byte count)
            p.Op('(');
            p.Str("storage");
            if (v3DType is null) p.Global("torch", StorageClass(view.Storage.DType));
            else p.Global("torch.storage", "UntypedStorage");
            p.Str(view.StorageKey);
            p.Str("cpu");
            p.Int(v3DType is null ? view.Storage.ElementCount : view.Storage.Bytes.Length);
            p.Op('t');
            p.Op('Q');
            p.Int(view.Offset);
            p.Op('(');
            foreach (int d in view.Size) p.Int(d);
            p.Op('t');
            p.Op('(');
            foreach (long s in view.Stride) p.Int(s);
            p.Op('t');
            p.Op(0x89); // requires_grad False
            p.Global("collections", "OrderedDict");
            p.Op(')');
            p.Op('R');
            if (v3DType is not null) p.Global("torch", v3DType);
            p.Op('t');
            p.Op('R');
        }
        p.Op('u');
        if (wrapInModel)
        {
            p.Op('s');
            p.Str("iteration");
            p.Int(7);
            p.Op('s');
        }
        p.Op('.');

        var entries = new List<(string, byte[])>
        {
            ($"{archive}/data.pkl", pickle.ToArray()),
            ($"{archive}/byteorder", Encoding.ASCII.GetBytes(bigEndian ? "big" : "little")),
        };
        foreach (var group in tensors.Select(t => t.View).GroupBy(v => v.StorageKey))
        {
            HostTensor storage = group.First().Storage;
            byte[] data = storage.Bytes.ToArray();
            int itemSize = storage.DType.SizeBytes();
            if (bigEndian) for (int i = 0; i < data.Length; i += itemSize) Array.Reverse(data, i, itemSize);
            entries.Add(($"{archive}/data/{group.Key}", data));
        }
        entries.Add(($"{archive}/version", "3\n"u8.ToArray()));
        return WriteZip(entries);
    }

    private static string StorageClass(DType dtype) => dtype switch
    {
        DType.Float32 => "FloatStorage",
        DType.Float16 => "HalfStorage",
        DType.Float64 => "DoubleStorage",
        DType.Int64 => "LongStorage",
        DType.Int32 => "IntStorage",
        DType.UInt8 => "ByteStorage",
        DType.Bool => "BoolStorage",
        _ => throw new ArgumentException(dtype.ToString()),
    };

    /// <summary>A plain zip (stored entries, CRC-32) of the given entries, in order; names are written as given.</summary>
    public static byte[] WriteZip(IReadOnlyList<(string Name, byte[] Data)> entries)
    {
        var output = new MemoryStream();
        var central = new MemoryStream();
        foreach ((string name, byte[] data) in entries)
        {
            byte[] nameBytes = Encoding.UTF8.GetBytes(name);
            uint crc = Crc(data);
            long offset = output.Position;
            var local = new byte[30];
            BinaryPrimitives.WriteUInt32LittleEndian(local, 0x04034b50);
            BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(4), 20);
            BinaryPrimitives.WriteUInt32LittleEndian(local.AsSpan(14), crc);
            BinaryPrimitives.WriteUInt32LittleEndian(local.AsSpan(18), (uint)data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(local.AsSpan(22), (uint)data.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(26), (ushort)nameBytes.Length);
            output.Write(local);
            output.Write(nameBytes);
            output.Write(data);

            var header = new byte[46];
            BinaryPrimitives.WriteUInt32LittleEndian(header, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 20);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), 20);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), crc);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), (uint)data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(24), (uint)data.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(28), (ushort)nameBytes.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(42), (uint)offset);
            central.Write(header);
            central.Write(nameBytes);
        }
        long directoryOffset = output.Position;
        central.Position = 0;
        central.CopyTo(output);
        var end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), (ushort)entries.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), (ushort)entries.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), (uint)central.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), (uint)directoryOffset);
        output.Write(end);
        return output.ToArray();
    }

    private static uint Crc(byte[] data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }

    /// <summary>The handful of protocol 2 opcodes torch's data.pkl uses.</summary>
    private sealed class TinyPickler(MemoryStream output)
    {
        public void Proto2() => output.Write([0x80, 2]);

        public void Op(char op) => output.WriteByte((byte)op);

        public void Op(byte op) => output.WriteByte(op);

        public void Str(string s)
        {
            byte[] b = Encoding.UTF8.GetBytes(s);
            output.WriteByte((byte)'X');
            Span<byte> n = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(n, b.Length);
            output.Write(n);
            output.Write(b);
        }

        public void Int(long v)
        {
            output.WriteByte((byte)'J');
            Span<byte> n = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(n, checked((int)v));
            output.Write(n);
        }

        public void Global(string module, string name) => output.Write(Encoding.ASCII.GetBytes($"c{module}\n{name}\n"));
    }
}
