using System.Buffers.Text;
using System.Net.WebSockets;
using System.Text;

namespace Signaling.Bench;

/// <summary>Payload fillers shared by every adapter, so each target relays the same number of bytes.</summary>
public static class RelayPadding
{
    // Realistic sizes: a browser offer/answer is a few KB, a host/srflx candidate about 200 B.
    public static readonly string Sdp = Build(2000);

    public static readonly string Candidate = Build(160);

    private static string Build(int length)
    {
        var text = new StringBuilder(length);
        while (text.Length < length)
        {
            text.Append("a=candidate 1 udp 2122260223 192.0.2.1 54400 typ host generation 0 ");
        }

        return text.ToString(0, length);
    }
}

/// <summary>
/// One WebSocket carrying one text message per relay event: what the raw floor and PeerJS have
/// in common. Subclasses only build outgoing messages and classify incoming ones.
/// </summary>
internal abstract class WebSocketTextPeer(string peerId, IRelayHandler handler, RunCounters counters) : IBenchPeer
{
    private readonly TextSocket socket = new();
    private readonly CancellationTokenSource stop = new();
    private Task receiving = Task.CompletedTask;

    public string PeerId => peerId;

    protected RunCounters Counters => counters;

    protected CancellationToken Stopping => stop.Token;

    public virtual Task JoinAsync(string roomId, CancellationToken cancellationToken) => Task.CompletedTask;

    public abstract ValueTask SendAsync(RelayKind kind, string roomId, string toPeerId, long timestamp, CancellationToken cancellationToken);

    /// <summary>No rooms on these servers: one message per member, as an app on them would send it.</summary>
    public async ValueTask BroadcastMediaStateAsync(string roomId, IReadOnlyList<string> otherPeerIds, int stateBits, long timestamp, CancellationToken cancellationToken)
    {
        foreach (var other in otherPeerIds)
        {
            counters.Sent1();
            await SendTextAsync(MediaStateMessage(other, roomId, stateBits, timestamp), cancellationToken);
        }
    }

    /// <summary>
    /// The whole message telling <paramref name="toPeerId"/> about a media state change. Typed
    /// CANDIDATE because PeerJS forwards only OFFER, ANSWER, CANDIDATE, LEAVE and EXPIRE; the payload
    /// is passed through untouched, so it is a media-state object like the one our hub broadcasts.
    /// </summary>
    protected abstract string MediaStateMessage(string toPeerId, string roomId, int stateBits, long timestamp);

    protected static string MediaStatePayload(int stateBits, long timestamp) =>
        $"{{\"type\":\"media-state\",\"mediaState\":{{\"audio\":{Bool(stateBits, 1)},\"video\":{Bool(stateBits, 2)},\"screen\":{Bool(stateBits, 4)}}},\"stamp\":\"bts={timestamp};\"}}";

    public virtual async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await socket.CloseAsync(receiving);
        socket.Dispose();
        stop.Dispose();
    }

    protected async Task ConnectAsync(Uri uri, CancellationToken cancellationToken)
    {
        await socket.ConnectAsync(uri, cancellationToken);
        receiving = Task.Run(ReceiveLoopAsync, CancellationToken.None);
    }

    protected Task SendTextAsync(string message, CancellationToken cancellationToken) => socket.SendAsync(message, cancellationToken);

    /// <summary>Called for each complete message, on the receive loop.</summary>
    protected abstract ValueTask OnMessageAsync(ReadOnlyMemory<byte> message);

    protected ValueTask RelayedAsync(RelayKind kind, ReadOnlySpan<byte> message)
    {
        var at = message.IndexOf("bts="u8);
        if (at < 0 || !Utf8Parser.TryParse(message[(at + 4)..], out long sent, out _))
        {
            counters.Error($"{peerId}: relayed {kind} without a timestamp");
            return ValueTask.CompletedTask;
        }

        return handler.OnRelayAsync(kind, sent);
    }

    protected virtual void Fail(string detail) => counters.Error($"{peerId}: {detail}");

    private static string Bool(int bits, int mask) => (bits & mask) != 0 ? "true" : "false";

    private async Task ReceiveLoopAsync()
    {
        // Small to start with (it grows to the largest message): density runs hold ~19k peers per process.
        var buffer = new byte[4 * 1024];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var filled = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (filled == buffer.Length)
                    {
                        Array.Resize(ref buffer, buffer.Length * 2);
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(filled), stop.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        Fail("server closed the WebSocket");
                        return;
                    }

                    filled += result.Count;
                }
                while (!result.EndOfMessage);

                await OnMessageAsync(buffer.AsMemory(0, filled));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            if (!stop.IsCancellationRequested)
            {
                Fail($"receive failed: {e.Message}");
            }
        }
    }
}
