using System.Net.WebSockets;
using System.Text;

namespace Signaling.Bench;

/// <summary>The JSON hub protocol: text records ended by 0x1E.</summary>
internal sealed class JsonHubFormat : HubFormat
{
    private const byte RecordSeparator = 0x1E;

    public override string Name => "json";

    public override WebSocketMessageType FrameType => WebSocketMessageType.Text;

    public override byte[] Ping { get; } = "{\"type\":6}\u001e"u8.ToArray();

    public override byte[] JoinRoom(string invocationId, string roomId) =>
        Bytes($"{{\"type\":1,\"invocationId\":\"{invocationId}\",\"target\":\"JoinRoom\",\"arguments\":[{{\"roomId\":\"{roomId}\"}}]}}\u001e");

    public override byte[] Relay(RelayKind kind, string? invocationId, string roomId, string toPeerId, string text)
    {
        var id = invocationId is null ? "" : $"\"invocationId\":\"{invocationId}\",";
        return Bytes(kind switch
        {
            RelayKind.Offer or RelayKind.Answer =>
                $"{{\"type\":1,{id}\"target\":\"{kind}\",\"arguments\":[{{\"roomId\":\"{roomId}\",\"toPeerId\":\"{toPeerId}\",\"sdp\":\"{text}\"}}]}}\u001e",
            _ =>
                $"{{\"type\":1,{id}\"target\":\"IceCandidate\",\"arguments\":[{{\"roomId\":\"{roomId}\",\"toPeerId\":\"{toPeerId}\",\"candidate\":{{\"candidate\":\"{text}\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}}}]}}\u001e",
        });
    }

    public override byte[] MediaState(string invocationId, string roomId, int stateBits) =>
        Bytes($"{{\"type\":1,\"invocationId\":\"{invocationId}\",\"target\":\"UpdateMediaState\",\"arguments\":[{{\"roomId\":\"{roomId}\",\"mediaState\":{{\"audio\":{Bool(stateBits, 1)},\"video\":{Bool(stateBits, 2)},\"screen\":{Bool(stateBits, 4)}}}}}]}}\u001e");

    public override bool TryRead(ReadOnlySpan<byte> data, out int consumed, out HubRecord record)
    {
        // Records may share a frame or span frames: split on the separator, not on frame boundaries.
        var end = data.IndexOf(RecordSeparator);
        if (end < 0)
        {
            consumed = 0;
            record = default;
            return false;
        }

        consumed = end + 1;
        var body = data[..end];
        var typeAt = body.IndexOf("\"type\":"u8);
        var type = typeAt >= 0 && typeAt + 7 < body.Length ? body[typeAt + 7] - '0' : -1;
        var errorAt = body.IndexOf("\"error\":"u8);
        record = new HubRecord(type, StringValue(body, "\"target\":\""u8), StringValue(body, "\"invocationId\":\""u8),
            errorAt >= 0 ? Encoding.UTF8.GetString(body[errorAt..]) : null, body);
        return true;
    }

    public override int MediaStateBits(ReadOnlySpan<byte> body)
    {
        var at = body.IndexOf("\"mediaState\":{"u8);
        if (at < 0)
        {
            return -1;
        }

        var state = body[at..];
        state = state[..(state.IndexOf((byte)'}') + 1)];
        return (state.IndexOf("\"audio\":true"u8) >= 0 ? 1 : 0)
            | (state.IndexOf("\"video\":true"u8) >= 0 ? 2 : 0)
            | (state.IndexOf("\"screen\":true"u8) >= 0 ? 4 : 0);
    }

    private static byte[] Bytes(string message) => Encoding.UTF8.GetBytes(message);

    private static string Bool(int bits, int mask) => (bits & mask) != 0 ? "true" : "false";

    private static ReadOnlySpan<byte> StringValue(ReadOnlySpan<byte> record, ReadOnlySpan<byte> key)
    {
        var at = record.IndexOf(key);
        if (at < 0)
        {
            return default;
        }

        var rest = record[(at + key.Length)..];
        var end = rest.IndexOf((byte)'"');
        return end < 0 ? default : rest[..end];
    }
}
