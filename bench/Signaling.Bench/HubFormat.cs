using System.Net.WebSockets;

namespace Signaling.Bench;

/// <summary>One hub message as the peer needs it: its type, and for invocations and completions what they carry.</summary>
internal readonly ref struct HubRecord(int type, ReadOnlySpan<byte> target, ReadOnlySpan<byte> invocationId, string? error, ReadOnlySpan<byte> body)
{
    public int Type { get; } = type;

    public ReadOnlySpan<byte> Target { get; } = target;

    public ReadOnlySpan<byte> InvocationId { get; } = invocationId;

    public string? Error { get; } = error;

    /// <summary>The whole message: strings are UTF-8 in both protocols, so markers such as <c>bts=</c> are found as they are.</summary>
    public ReadOnlySpan<byte> Body { get; } = body;
}

/// <summary>
/// How <see cref="SignalRPeer"/> writes and reads one SignalR hub protocol, by hand and without a
/// serializer library, so the generator's own cost stays small next to the server's. The handshake
/// is JSON text for both.
/// </summary>
internal abstract class HubFormat
{
    public static HubFormat For(string protocol) => protocol switch
    {
        "json" => new JsonHubFormat(),
        "messagepack" => new MessagePackHubFormat(),
        _ => throw new ArgumentException($"unknown protocol '{protocol}'; known: json, messagepack"),
    };

    public abstract string Name { get; }

    public abstract WebSocketMessageType FrameType { get; }

    public abstract byte[] JoinRoom(string invocationId, string roomId);

    /// <summary><paramref name="invocationId"/> null: sent without asking for a completion (send(), not invoke()).</summary>
    public abstract byte[] Relay(RelayKind kind, string? invocationId, string roomId, string toPeerId, string text);

    public abstract byte[] MediaState(string invocationId, string roomId, int stateBits);

    public abstract byte[] Ping { get; }

    /// <summary>Reads the first whole message of <paramref name="data"/>; false until one has fully arrived.</summary>
    public abstract bool TryRead(ReadOnlySpan<byte> data, out int consumed, out HubRecord record);

    /// <summary>The media state of a <c>PeerUpdated</c> (audio = bit 0, video = bit 1, screen = bit 2), or -1.</summary>
    public abstract int MediaStateBits(ReadOnlySpan<byte> body);
}
