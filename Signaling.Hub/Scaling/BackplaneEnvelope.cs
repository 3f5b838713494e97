using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Signaling.Hub.Scaling;

/// <summary>What a backplane message asks the receiving instances to do.</summary>
internal enum BackplaneKind : byte
{
    /// <summary>Every local connection except the excluded ones.</summary>
    All = 1,

    /// <summary>The listed connections that are local.</summary>
    Connections = 2,

    /// <summary>The local members of each listed group (per group, as SignalR's own managers do), except the excluded ones.</summary>
    Groups = 3,

    /// <summary>Local connections whose user is listed.</summary>
    Users = 4,

    /// <summary>The instance that holds the connection adds it to the group and acknowledges.</summary>
    AddToGroup = 5,

    /// <summary>The instance that holds the connection removes it from the group and acknowledges.</summary>
    RemoveFromGroup = 6,

    /// <summary>A group command was applied.</summary>
    Ack = 7,

    /// <summary>Several envelopes of one sender for one channel, to be processed in order as if published one by one.</summary>
    Batch = 8,
}

/// <summary>
/// The binary layout of backplane messages. Strings are UTF-8 prefixed by their byte length as a
/// 7-bit varint; lists are a varint count followed by their items; a payload is prefixed by its
/// length as a 4-byte little-endian integer, so a protocol can write it in place.
/// <code>
/// version:u8 kind:u8 sender:str
///   All | Connections | Groups | Users:  targets:str[] excluded:str[] payloads:varint (protocol:str length:i32le bytes)*
///   AddToGroup | RemoveFromGroup:        ack:varint connection:str group:str
///   Ack:                                 ack:varint
///   Batch:                               count:varint (length:i32le envelope)*   (no batch inside a batch)
/// </code>
/// The payloads are the invocation already serialized by every hub protocol of the sender, so a
/// receiver writes them to its connections as they are.
/// </summary>
internal static class BackplaneEnvelope
{
    public const byte Version = 1;

    /// <summary>A buffer per thread: an envelope is built synchronously, so no other caller can interleave.</summary>
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>Above this a buffer is not kept, so one big message does not pin memory on a pool thread.</summary>
    private const int MaxRetainedBuffer = 64 * 1024;

    public static ArrayBufferWriter<byte> Rent()
    {
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(1024);
        t_buffer = null;
        return buffer;
    }

    /// <summary>Copies the envelope out (Redis needs an array of the exact length) and hands the buffer back.</summary>
    public static byte[] ToArrayAndReturn(ArrayBufferWriter<byte> buffer)
    {
        var bytes = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity <= MaxRetainedBuffer)
        {
            buffer.ResetWrittenCount();
            t_buffer = buffer;
        }

        return bytes;
    }

    public static void WriteByte(this ArrayBufferWriter<byte> writer, byte value)
    {
        writer.GetSpan(1)[0] = value;
        writer.Advance(1);
    }

    public static void WriteVarint(this ArrayBufferWriter<byte> writer, ulong value) =>
        writer.Advance(WriteVarint(writer.GetSpan(10), value));

    /// <summary>Writes <paramref name="value"/> as a 7-bit varint at the start of <paramref name="span"/>; returns its length.</summary>
    public static int WriteVarint(Span<byte> span, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        return i;
    }

    public static void WriteString(this ArrayBufferWriter<byte> writer, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        writer.WriteVarint((uint)length);
        writer.Advance(Encoding.UTF8.GetBytes(value, writer.GetSpan(length)));
    }

    public static void WriteList(this ArrayBufferWriter<byte> writer, IReadOnlyList<string>? values)
    {
        writer.WriteVarint((uint)(values?.Count ?? 0));
        for (var i = 0; i < (values?.Count ?? 0); i++)
        {
            writer.WriteString(values![i]);
        }
    }

    /// <summary>The string field as it appears on the wire, for values written on every message.</summary>
    public static byte[] EncodeString(string value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        buffer.WriteString(value);
        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteRaw(this ArrayBufferWriter<byte> writer, ReadOnlySpan<byte> value) => writer.Write(value);

    /// <summary>Reserves the fixed 4-byte length of a payload that is written next, straight into this buffer.</summary>
    public static int BeginPayload(this ArrayBufferWriter<byte> writer)
    {
        var at = writer.WrittenCount;
        writer.GetSpan(4);
        writer.Advance(4);
        return at;
    }

    public static void EndPayload(this ArrayBufferWriter<byte> writer, int at)
    {
        var length = writer.WrittenCount - at - 4;
        BinaryPrimitives.WriteInt32LittleEndian(MemoryMarshal.AsMemory(writer.WrittenMemory).Span.Slice(at, 4), length);
    }
}

/// <summary>Reads an envelope; malformed input throws <see cref="InvalidDataException"/> rather than reading past the end.</summary>
internal struct EnvelopeReader(ReadOnlyMemory<byte> buffer)
{
    private readonly ReadOnlyMemory<byte> _buffer = buffer;
    private int _position;

    public readonly bool AtEnd => _position == _buffer.Length;

    public byte Byte()
    {
        Need(1);
        return _buffer.Span[_position++];
    }

    public ulong Varint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = Byte();
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("backplane envelope: varint too long");
    }

    public int Length()
    {
        var value = Varint();
        if (value > int.MaxValue)
        {
            throw new InvalidDataException("backplane envelope: length out of range");
        }

        return (int)value;
    }

    public ReadOnlyMemory<byte> Bytes()
    {
        var length = Length();
        Need(length);
        var bytes = _buffer.Slice(_position, length);
        _position += length;
        return bytes;
    }

    public ReadOnlyMemory<byte> Payload()
    {
        Need(4);
        var length = BinaryPrimitives.ReadInt32LittleEndian(_buffer.Span.Slice(_position, 4));
        _position += 4;
        Need(length);
        var bytes = _buffer.Slice(_position, length);
        _position += length;
        return bytes;
    }

    public string String() => Encoding.UTF8.GetString(Bytes().Span);

    /// <summary>Compares the next string with <paramref name="utf8"/> without decoding it.</summary>
    public bool StringEquals(ReadOnlySpan<byte> utf8) => Bytes().Span.SequenceEqual(utf8);

    public string[] List()
    {
        var count = Length();
        if (count == 0)
        {
            return [];
        }

        // Each item takes at least one byte: a bogus count fails here instead of allocating a huge array.
        Need(count);
        var items = new string[count];
        for (var i = 0; i < count; i++)
        {
            items[i] = String();
        }

        return items;
    }

    private readonly void Need(int count)
    {
        if (count < 0 || _buffer.Length - _position < count)
        {
            throw new InvalidDataException("backplane envelope: truncated");
        }
    }
}
