using System.Buffers;
using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text;

namespace Signaling.Bench;

/// <summary>
/// The MessagePack hub protocol: binary frames of a varint length and one array,
/// <c>[type, headers, invocationId, target, arguments]</c>; arguments as maps keyed by the contract's
/// camelCase names, as a JavaScript client sends them.
/// </summary>
internal sealed class MessagePackHubFormat : HubFormat
{
    private const byte True = 0xC3;
    private const byte Nil = 0xC0;

    public override string Name => "messagepack";

    public override WebSocketMessageType FrameType => WebSocketMessageType.Binary;

    public override byte[] Ping { get; } = [0x02, 0x91, 0x06];

    public override byte[] JoinRoom(string invocationId, string roomId) => Invocation(invocationId, "JoinRoom", w =>
    {
        w.Map(1);
        w.Str("roomId").Str(roomId);
    });

    public override byte[] Relay(RelayKind kind, string? invocationId, string roomId, string toPeerId, string text) => kind switch
    {
        RelayKind.Offer or RelayKind.Answer => Invocation(invocationId, kind.ToString(), w =>
        {
            w.Map(3);
            w.Str("roomId").Str(roomId).Str("toPeerId").Str(toPeerId).Str("sdp").Str(text);
        }),
        _ => Invocation(invocationId, "IceCandidate", w =>
        {
            w.Map(3);
            w.Str("roomId").Str(roomId).Str("toPeerId").Str(toPeerId).Str("candidate").Map(3);
            w.Str("candidate").Str(text).Str("sdpMid").Str("0").Str("sdpMLineIndex").Byte(0);
        }),
    };

    public override byte[] MediaState(string invocationId, string roomId, int stateBits) => Invocation(invocationId, "UpdateMediaState", w =>
    {
        w.Map(2);
        w.Str("roomId").Str(roomId).Str("mediaState").Map(3);
        w.Str("audio").Bool((stateBits & 1) != 0).Str("video").Bool((stateBits & 2) != 0).Str("screen").Bool((stateBits & 4) != 0);
    });

    public override bool TryRead(ReadOnlySpan<byte> data, out int consumed, out HubRecord record)
    {
        consumed = 0;
        record = default;
        int length = 0, prefix = 0;
        while (true)
        {
            if (prefix == data.Length || prefix == 5)
            {
                return false;
            }

            var b = data[prefix];
            length |= (b & 0x7F) << (7 * prefix++);
            if ((b & 0x80) == 0)
            {
                break;
            }
        }

        if (data.Length - prefix < length)
        {
            return false;
        }

        consumed = prefix + length;
        var body = data.Slice(prefix, length);
        // [type, headers, invocationId, target, ...] or [3, headers, invocationId, resultKind, error?]: the server
        // writes small arrays, small ints and empty header maps, all one byte each.
        var at = 1;
        var type = body[at++];
        if (type is not (1 or 3))
        {
            record = new HubRecord(type, default, default, type == 7 ? Encoding.UTF8.GetString(body) : null, body);
            return true;
        }

        at++;
        ReadOnlySpan<byte> invocationId = default;
        if (body[at] == Nil)
        {
            at++;
        }
        else
        {
            invocationId = Str(body, ref at);
        }

        if (type == 1)
        {
            record = new HubRecord(type, Str(body, ref at), invocationId, null, body);
        }
        else
        {
            var error = body[at++] == 1 ? Encoding.UTF8.GetString(Str(body, ref at)) : null;
            record = new HubRecord(type, default, invocationId, error, body);
        }

        return true;
    }

    public override int MediaStateBits(ReadOnlySpan<byte> body)
    {
        var at = body.IndexOf(MediaStateKey);
        if (at < 0)
        {
            return -1;
        }

        var state = body[at..];
        return (Flag(state, AudioKey) ? 1 : 0) | (Flag(state, VideoKey) ? 2 : 0) | (Flag(state, ScreenKey) ? 4 : 0);

        static bool Flag(ReadOnlySpan<byte> state, ReadOnlySpan<byte> key)
        {
            var at = state.IndexOf(key);
            return at >= 0 && at + key.Length < state.Length && state[at + key.Length] == True;
        }
    }

    // Member names as MessagePack writes them: a fixstr header (0xA0 | length), then the UTF-8 bytes.
    private static readonly byte[] MediaStateKey = [0xAA, .. "mediaState"u8];
    private static readonly byte[] AudioKey = [0xA5, .. "audio"u8];
    private static readonly byte[] VideoKey = [0xA5, .. "video"u8];
    private static readonly byte[] ScreenKey = [0xA6, .. "screen"u8];

    private static ReadOnlySpan<byte> Str(ReadOnlySpan<byte> body, scoped ref int at)
    {
        var code = body[at++];
        int length;
        if ((code & 0xE0) == 0xA0)
        {
            length = code & 0x1F;
        }
        else if (code == 0xD9)
        {
            length = body[at++];
        }
        else if (code == 0xDA)
        {
            length = BinaryPrimitives.ReadUInt16BigEndian(body[at..]);
            at += 2;
        }
        else
        {
            length = (int)BinaryPrimitives.ReadUInt32BigEndian(body[at..]);
            at += 4;
        }

        var value = body.Slice(at, length);
        at += length;
        return value;
    }

    private static byte[] Invocation(string? invocationId, string target, Action<Writer> argument)
    {
        var payload = new Writer();
        payload.Byte(0x95).Byte(1).Map(0);
        if (invocationId is null)
        {
            payload.Byte(Nil);
        }
        else
        {
            payload.Str(invocationId);
        }

        payload.Str(target).Byte(0x91);
        argument(payload);
        var frame = new Writer();
        for (var length = (uint)payload.Length; ; length >>= 7)
        {
            frame.Byte((byte)(length < 0x80 ? length : (length & 0x7F) | 0x80));
            if (length < 0x80)
            {
                break;
            }
        }

        return [.. frame.Written, .. payload.Written];
    }

    private sealed class Writer
    {
        private readonly ArrayBufferWriter<byte> buffer = new(256);

        public int Length => buffer.WrittenCount;

        public ReadOnlySpan<byte> Written => buffer.WrittenSpan;

        public Writer Byte(byte value)
        {
            buffer.Write([value]);
            return this;
        }

        public Writer Bool(bool value) => Byte(value ? True : (byte)0xC2);

        public Writer Map(int count) => Byte((byte)(0x80 | count));

        public Writer Str(string value)
        {
            var length = Encoding.UTF8.GetByteCount(value);
            Span<byte> header = stackalloc byte[5];
            var size = length switch
            {
                < 32 => Put(header, (byte)(0xA0 | length)),
                < 256 => Put(header, 0xD9, (byte)length),
                < 65536 => Put(header, 0xDA, (byte)(length >> 8), (byte)length),
                _ => Put(header, 0xDB, (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length),
            };
            buffer.Write(header[..size]);
            Encoding.UTF8.GetBytes(value, buffer.GetSpan(length));
            buffer.Advance(length);
            return this;
        }

        private static int Put(Span<byte> target, params ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(target);
            return bytes.Length;
        }
    }
}
