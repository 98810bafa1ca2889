using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Detserve.Import.Weights;

/// <summary>
/// A pickle virtual machine for protocols 0-5 (every opcode of Lib/pickle.py's _Unpickler) that never executes
/// anything: a global is resolved only when it is on the allowlist (<see cref="PickleAllowlist"/>), and calling one
/// (REDUCE, NEWOBJ, INST, OBJ, BUILD) runs Detserve's own data-only implementation of it, as
/// torch/_weights_only_unpickler.py does. Every failure is a <see cref="WeightFileException"/> naming the file, the
/// byte offset and the opcode. One instance reads one pickle.
/// </summary>
internal sealed partial class PickleMachine
{
    private readonly byte[] _data;
    private readonly int _length;
    private readonly string _source;
    private readonly PickleLimits _limits;
    private readonly Func<object?, object>? _persistentLoad;

    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    // Nesting depth of each container built so far (by reference), to refuse deep nesting without recursion.
    private readonly Dictionary<object, int> _depth = new(ReferenceEqualityComparer.Instance);
    // Memo slots that hold a numpy placeholder, so BUILD can replace it by the finished value everywhere.
    private readonly Dictionary<object, List<long>> _placeholderSlots = new(ReferenceEqualityComparer.Instance);

    private int _pos;
    private int _opOffset;
    private byte _op;
    private long _declaredBytes;

    /// <param name="data">The pickle bytes; byte arrays inside the result may share this array's contents only by copy.</param>
    /// <param name="length">Bytes of <paramref name="data"/> that belong to the pickle.</param>
    /// <param name="source">File name (and zip entry) for messages.</param>
    /// <param name="limits">Limits.</param>
    /// <param name="persistentLoad">persistent_load for BINPERSID/PERSID (torch archives), or null to refuse them.</param>
    public PickleMachine(byte[] data, int length, string source, PickleLimits limits, Func<object?, object>? persistentLoad)
    {
        _data = data;
        _length = length;
        _source = source;
        _limits = limits;
        _persistentLoad = persistentLoad;
    }

    /// <summary>Total bytes declared so far (strings, bytes, tensors), checked against <see cref="PickleLimits.MaxTotalBytes"/>.</summary>
    public long DeclaredBytes => _declaredBytes;

    /// <summary>Runs the pickle to its STOP and returns the value on top of the stack.</summary>
    public object? Run()
    {
        if (_length == 0) throw new WeightFileException($"{_source}: empty pickle (0 bytes)");
        while (true)
        {
            if (_pos >= _length)
                throw new WeightFileException($"{_source}: byte {_pos}: pickle data ends without STOP (truncated file?)");
            _opOffset = _pos;
            _op = _data[_pos++];
            try
            {
                if (_op == PickleOpcodes.Stop)
                {
                    if (_marks.Count != 0) throw Fail("STOP with an unclosed MARK");
                    if (_stack.Count != 1) throw Fail($"STOP with {_stack.Count} values on the stack (expected 1)");
                    return _stack[0];
                }
                Step();
            }
            catch (PickleRefusal refusal)
            {
                throw Fail(refusal.Message);
            }
            catch (ArgumentException argument)
            {
                // PickleDict / PickleSet refuse unhashable keys with ArgumentException.
                throw Fail(argument.Message);
            }
            if (_stack.Count > _limits.MaxStackItems)
                throw Fail($"more than {_limits.MaxStackItems} values on the stack (PickleLimits.MaxStackItems)");
        }
    }

    private void Step()
    {
        switch (_op)
        {
            case PickleOpcodes.Proto:
                {
                    int version = ReadByte();
                    if (version > PickleOpcodes.HighestProtocol) throw Fail($"unsupported pickle protocol {version} (0-5 are defined)");
                    break;
                }
            case PickleOpcodes.Frame:
                {
                    // A frame is only a read-ahead hint (PEP 3154); its length must still fit the file.
                    ulong frameLength = BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
                    if (frameLength > (ulong)(_length - _pos))
                        throw Fail($"frame of {frameLength} bytes but only {_length - _pos} bytes remain (truncated file?)");
                    break;
                }
            case PickleOpcodes.Mark:
                if (_marks.Count >= _limits.MaxDepth) throw Fail($"more than {_limits.MaxDepth} nested MARKs (PickleLimits.MaxDepth)");
                _marks.Add(_stack.Count);
                break;
            case PickleOpcodes.Pop:
                if (_stack.Count == 0 || (_marks.Count > 0 && _marks[^1] == _stack.Count))
                {
                    // pickle.py: POP with an empty stack above the mark pops the mark.
                    if (_marks.Count > 0 && _marks[^1] == _stack.Count) _marks.RemoveAt(_marks.Count - 1);
                    else throw Fail("stack underflow");
                }
                else _stack.RemoveAt(_stack.Count - 1);
                break;
            case PickleOpcodes.PopMark:
                PopToMark();
                break;
            case PickleOpcodes.Dup:
                Push(Peek());
                break;

            // Constants and numbers.
            case PickleOpcodes.None: Push(null); break;
            case PickleOpcodes.NewTrue: Push(true); break;
            case PickleOpcodes.NewFalse: Push(false); break;
            case PickleOpcodes.BinInt: Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
            case PickleOpcodes.BinInt1: Push((long)ReadByte()); break;
            case PickleOpcodes.BinInt2: Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
            case PickleOpcodes.Long1: Push(ReadLong(ReadByte())); break;
            case PickleOpcodes.Long4:
                {
                    int n = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
                    if (n < 0) throw Fail($"negative LONG4 byte count {n}");
                    Push(ReadLong(n));
                    break;
                }
            case PickleOpcodes.BinFloat: Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
            case PickleOpcodes.Int: Push(ParseIntLine(ReadLine())); break;
            case PickleOpcodes.Long: Push(ParseLongLine(ReadLine())); break;
            case PickleOpcodes.Float: Push(ParseFloatLine(ReadLine())); break;

            // Strings and bytes.
            case PickleOpcodes.String: Push(Encoding.Latin1.GetString(DecodeStringLine(ReadLine()))); break;
            case PickleOpcodes.BinString:
                {
                    int n = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
                    if (n < 0) throw Fail($"negative BINSTRING length {n}");
                    // Python 2 str, read as pickle.load(encoding="latin1") does: bytes 0-255 become U+0000-U+00FF.
                    Push(Encoding.Latin1.GetString(TakeDeclared(n)));
                    break;
                }
            case PickleOpcodes.ShortBinString: Push(Encoding.Latin1.GetString(TakeDeclared(ReadByte()))); break;
            case PickleOpcodes.Unicode: Push(DecodeRawUnicodeEscape(ReadLine())); break;
            case PickleOpcodes.BinUnicode: Push(DecodeUtf8(TakeDeclared(ReadLength32()))); break;
            case PickleOpcodes.ShortBinUnicode: Push(DecodeUtf8(TakeDeclared(ReadByte()))); break;
            case PickleOpcodes.BinUnicode8: Push(DecodeUtf8(TakeDeclared(ReadLength64()))); break;
            case PickleOpcodes.BinBytes: Push(TakeDeclared(ReadLength32()).ToArray()); break;
            case PickleOpcodes.ShortBinBytes: Push(TakeDeclared(ReadByte()).ToArray()); break;
            case PickleOpcodes.BinBytes8: Push(TakeDeclared(ReadLength64()).ToArray()); break;
            case PickleOpcodes.ByteArray8: Push(TakeDeclared(ReadLength64()).ToArray()); break;
            case PickleOpcodes.NextBuffer:
                throw Fail("out-of-band buffers (pickle protocol 5 NEXT_BUFFER) are not supported: no buffers are given to the reader");
            case PickleOpcodes.ReadOnlyBuffer:
                if (Peek() is not byte[]) throw Fail($"READONLY_BUFFER on a {PickleValues.TypeName(Peek())}");
                break;

            // Containers.
            case PickleOpcodes.EmptyTuple: Push(Array.Empty<object?>()); break;
            case PickleOpcodes.Tuple: Push(MakeTuple(PopToMark())); break;
            case PickleOpcodes.Tuple1: Push(MakeTuple(PopN(1))); break;
            case PickleOpcodes.Tuple2: Push(MakeTuple(PopN(2))); break;
            case PickleOpcodes.Tuple3: Push(MakeTuple(PopN(3))); break;
            case PickleOpcodes.EmptyList: Push(Track(new List<object?>(), 1)); break;
            case PickleOpcodes.List:
                {
                    object?[] items = PopToMark();
                    Push(Track(new List<object?>(items), 1 + MaxDepth(items)));
                    break;
                }
            case PickleOpcodes.EmptyDict: Push(Track(new PickleDict(), 1)); break;
            case PickleOpcodes.Dict:
                {
                    object?[] items = PopToMark();
                    var dict = Track(new PickleDict(), 1);
                    SetItems(dict, items);
                    Push(dict);
                    break;
                }
            case PickleOpcodes.EmptySet: Push(Track(new PickleSet(false), 1)); break;
            case PickleOpcodes.FrozenSet:
                {
                    object?[] items = PopToMark();
                    var set = Track(new PickleSet(true), 1);
                    foreach (object? item in items) AddToSet(set, item);
                    Push(set);
                    break;
                }
            case PickleOpcodes.Append:
                {
                    object? item = Pop();
                    AppendTo(Peek(), [item]);
                    break;
                }
            case PickleOpcodes.Appends:
                {
                    object?[] items = PopToMark();
                    AppendTo(Peek(), items);
                    break;
                }
            case PickleOpcodes.SetItem:
                {
                    object? value = Pop();
                    object? key = Pop();
                    SetItems(Peek() as PickleDict ?? throw Fail($"SETITEM on a {PickleValues.TypeName(Peek())}"), [key, value]);
                    break;
                }
            case PickleOpcodes.SetItems:
                {
                    object?[] items = PopToMark();
                    SetItems(Peek() as PickleDict ?? throw Fail($"SETITEMS on a {PickleValues.TypeName(Peek())}"), items);
                    break;
                }
            case PickleOpcodes.AddItems:
                {
                    object?[] items = PopToMark();
                    var set = Peek() as PickleSet ?? throw Fail($"ADDITEMS on a {PickleValues.TypeName(Peek())}");
                    if (set.IsFrozen) throw Fail("ADDITEMS on a frozenset");
                    foreach (object? item in items) AddToSet(set, item);
                    break;
                }

            // Memo.
            case PickleOpcodes.Put: MemoPut(ParseIndexLine(ReadLine())); break;
            case PickleOpcodes.BinPut: MemoPut(ReadByte()); break;
            case PickleOpcodes.LongBinPut: MemoPut(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break;
            case PickleOpcodes.Memoize: MemoPut(_memo.Count); break;
            case PickleOpcodes.Get: MemoGet(ParseIndexLine(ReadLine())); break;
            case PickleOpcodes.BinGet: MemoGet(ReadByte()); break;
            case PickleOpcodes.LongBinGet: MemoGet(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break;

            // Globals, calls and state.
            case PickleOpcodes.Global:
                {
                    string module = DecodeAscii(ReadLine(), "GLOBAL module");
                    string name = DecodeAscii(ReadLine(), "GLOBAL name");
                    Push(PickleAllowlist.Resolve(module, name));
                    break;
                }
            case PickleOpcodes.StackGlobal:
                {
                    object? name = Pop();
                    object? module = Pop();
                    if (module is not string m || name is not string n)
                        throw Fail($"STACK_GLOBAL needs two str, got {PickleValues.TypeName(module)} and {PickleValues.TypeName(name)}");
                    Push(PickleAllowlist.Resolve(m, n));
                    break;
                }
            case PickleOpcodes.Inst:
                {
                    string module = DecodeAscii(ReadLine(), "INST module");
                    string name = DecodeAscii(ReadLine(), "INST name");
                    PickleGlobal global = PickleAllowlist.Resolve(module, name);
                    Push(Call(global, PopToMark()));
                    break;
                }
            case PickleOpcodes.Obj:
                {
                    object?[] items = PopToMark();
                    if (items.Length == 0) throw Fail("OBJ without a class");
                    Push(Call(AsGlobal(items[0]), items[1..]));
                    break;
                }
            case PickleOpcodes.Reduce:
                {
                    object? args = Pop();
                    object? callable = Pop();
                    if (args is not object?[] tuple) throw Fail($"REDUCE arguments must be a tuple, got {PickleValues.TypeName(args)}");
                    Push(Call(AsGlobal(callable), tuple));
                    break;
                }
            case PickleOpcodes.NewObj:
                {
                    object? args = Pop();
                    object? cls = Pop();
                    if (args is not object?[] tuple) throw Fail($"NEWOBJ arguments must be a tuple, got {PickleValues.TypeName(args)}");
                    Push(Call(AsGlobal(cls), tuple));
                    break;
                }
            case PickleOpcodes.NewObjEx:
                {
                    object? kwargs = Pop();
                    object? args = Pop();
                    object? cls = Pop();
                    if (args is not object?[] tuple) throw Fail($"NEWOBJ_EX arguments must be a tuple, got {PickleValues.TypeName(args)}");
                    if (kwargs is not PickleDict { Count: 0 }) throw Fail("NEWOBJ_EX with keyword arguments is not supported");
                    Push(Call(AsGlobal(cls), tuple));
                    break;
                }
            case PickleOpcodes.Build:
                {
                    object? state = Pop();
                    object? target = Pop();
                    Push(Build(target, state));
                    break;
                }
            case PickleOpcodes.PersId:
                Push(PersistentLoad(DecodeAscii(ReadLine(), "PERSID")));
                break;
            case PickleOpcodes.BinPersId:
                Push(PersistentLoad(Pop()));
                break;
            case PickleOpcodes.Ext1:
            case PickleOpcodes.Ext2:
            case PickleOpcodes.Ext4:
                throw Fail("the copyreg extension registry is not supported (it names globals by number)");
            default:
                throw Fail("not a pickle opcode (corrupt or not a pickle file)");
        }
    }

    private object PersistentLoad(object? pid)
    {
        if (_persistentLoad is null)
            throw Fail("persistent ids are only allowed inside a torch zip archive's data.pkl");
        return _persistentLoad(pid);
    }

    // ---- stack ----

    private void Push(object? value) => _stack.Add(value);

    private object? Pop()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _marks[^1] >= _stack.Count)) throw Fail("stack underflow");
        object? value = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object? Peek()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _marks[^1] >= _stack.Count)) throw Fail("stack underflow");
        return _stack[^1];
    }

    private object?[] PopN(int n)
    {
        int floor = _marks.Count > 0 ? _marks[^1] : 0;
        if (_stack.Count - floor < n) throw Fail("stack underflow");
        object?[] items = _stack.GetRange(_stack.Count - n, n).ToArray();
        _stack.RemoveRange(_stack.Count - n, n);
        return items;
    }

    private object?[] PopToMark()
    {
        if (_marks.Count == 0) throw Fail("no MARK on the stack");
        int mark = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        object?[] items = _stack.GetRange(mark, _stack.Count - mark).ToArray();
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    // ---- containers and depth ----

    private T Track<T>(T container, int depth) where T : class
    {
        if (depth > _limits.MaxDepth) throw Fail($"containers nested deeper than {_limits.MaxDepth} (PickleLimits.MaxDepth)");
        _depth[container] = depth;
        return container;
    }

    private int DepthOf(object? value) => value is not null && _depth.TryGetValue(value, out int d) ? d : 0;

    private int MaxDepth(object?[] items)
    {
        int max = 0;
        foreach (object? item in items) max = Math.Max(max, DepthOf(item));
        return max;
    }

    private void Deepen(object container, object?[] items)
    {
        int depth = Math.Max(DepthOf(container), 1 + MaxDepth(items));
        Track(container, depth);
    }

    private object?[] MakeTuple(object?[] items)
    {
        if (items.Length == 0) return items;
        return Track(items, 1 + MaxDepth(items));
    }

    private void AppendTo(object? target, object?[] items)
    {
        if (target is not List<object?> list) throw Fail($"{PickleOpcodes.Name(_op)} on a {PickleValues.TypeName(target)} (only lists are appended to)");
        Deepen(list, items);
        list.AddRange(items);
    }

    private void SetItems(PickleDict dict, object?[] items)
    {
        if (items.Length % 2 != 0) throw Fail($"odd number of items ({items.Length}) for a dict");
        Deepen(dict, items);
        for (int i = 0; i < items.Length; i += 2) dict.Set(items[i], items[i + 1]);
    }

    private void AddToSet(PickleSet set, object? item)
    {
        Deepen(set, [item]);
        set.Add(item);
    }

    // ---- memo ----

    private void MemoPut(long index)
    {
        if (index < 0) throw Fail($"negative memo index {index}");
        object? value = Peek();
        if (!_memo.ContainsKey(index) && _memo.Count >= _limits.MaxMemoEntries)
            throw Fail($"more than {_limits.MaxMemoEntries} memo entries (PickleLimits.MaxMemoEntries)");
        if (_memo.TryGetValue(index, out object? old) && old is not null && _placeholderSlots.TryGetValue(old, out List<long>? oldSlots))
            oldSlots.Remove(index);
        _memo[index] = value;
        if (value is NumpyArrayPlaceholder)
        {
            if (!_placeholderSlots.TryGetValue(value, out List<long>? slots)) _placeholderSlots[value] = slots = [];
            slots.Add(index);
        }
    }

    private void MemoGet(long index)
    {
        if (!_memo.TryGetValue(index, out object? value)) throw Fail($"memo key {index} was never stored");
        Push(value);
    }

    /// <summary>After BUILD turned <paramref name="placeholder"/> into <paramref name="finished"/>, memo slots that held it now hold the result.</summary>
    private void ReplaceInMemo(object placeholder, object finished)
    {
        if (!_placeholderSlots.Remove(placeholder, out List<long>? slots)) return;
        foreach (long slot in slots) _memo[slot] = finished;
    }

    // ---- raw reads ----

    private byte ReadByte()
    {
        if (_pos >= _length) throw Truncated(1);
        return _data[_pos++];
    }

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n > _length - _pos) throw Truncated(n);
        var span = new ReadOnlySpan<byte>(_data, _pos, n);
        _pos += n;
        return span;
    }

    /// <summary>Reads a declared-length payload: the length is checked against what remains and the total-bytes limit before anything is allocated.</summary>
    private ReadOnlySpan<byte> TakeDeclared(long n)
    {
        if (n < 0) throw Fail($"negative length {n}");
        if (n > _length - _pos) throw Fail($"declares {n} bytes but only {_length - _pos} remain (truncated or corrupt file)");
        Declare(n);
        return Take((int)n);
    }

    /// <summary>Adds <paramref name="bytes"/> to the file's declared total and enforces <see cref="PickleLimits.MaxTotalBytes"/>.</summary>
    internal void Declare(long bytes)
    {
        _declaredBytes += bytes;
        if (_declaredBytes > _limits.MaxTotalBytes)
            throw new PickleRefusal($"the file declares more than {_limits.MaxTotalBytes} bytes in total (PickleLimits.MaxTotalBytes)");
    }

    private long ReadLength32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    private long ReadLength64()
    {
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
        if (n > (ulong)(_length - _pos)) throw Fail($"declares {n} bytes but only {_length - _pos} remain (truncated or corrupt file)");
        return (long)n;
    }

    /// <summary>Reads up to and excluding '\n' (text opcodes of protocol 0).</summary>
    private ReadOnlySpan<byte> ReadLine()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _pos, _length - _pos);
        if (end < 0) throw Fail("text argument without a terminating newline (truncated file?)");
        var line = new ReadOnlySpan<byte>(_data, _pos, end - _pos);
        _pos = end + 1;
        return line;
    }

    private object ReadLong(int n)
    {
        if (n == 0) return 0L;
        ReadOnlySpan<byte> bytes = TakeDeclared(n);
        // Little-endian two's complement (pickle.decode_long).
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        if (value >= long.MinValue && value <= long.MaxValue) return (long)value;
        return value;
    }

    private string DecodeUtf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw Fail($"invalid UTF-8 in a string: {e.Message}");
        }
    }

    private string DecodeAscii(ReadOnlySpan<byte> bytes, string what)
    {
        foreach (byte b in bytes)
            if (b is < 0x20 or > 0x7e) throw Fail($"{what} is not printable ASCII");
        return Encoding.ASCII.GetString(bytes);
    }

    private WeightFileException Truncated(int needed) =>
        Fail($"needs {needed} more bytes but only {_length - _pos} remain (truncated file?)");

    /// <summary>An error at the current opcode, naming file, offset and opcode.</summary>
    private WeightFileException Fail(string message) =>
        new($"{_source}: byte {_opOffset} ({PickleOpcodes.Name(_op)}): {message}");
}
