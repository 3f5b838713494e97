using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;

// The floor under the signaling service: the same relay over the same Kestrel WebSockets, with no
// SignalR, no auth, no rooms and no JSON. Framing: "<target id>\n<payload>" one text message each;
// the target receives "<sender id>\n<payload>". Whatever the service costs above this is its own.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var app = builder.Build();
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });

var peers = new ConcurrentDictionary<string, RelayPeer>(StringComparer.Ordinal);

app.MapGet("/health", () => "ok");
app.Map("/ws", async context =>
{
    var id = context.Request.Query["id"].ToString();
    if (!context.WebSockets.IsWebSocketRequest || id.Length == 0 || id.Contains('\n', StringComparison.Ordinal))
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return;
    }

    using var socket = await context.WebSockets.AcceptWebSocketAsync();
    var peer = new RelayPeer(id, socket);
    peers[id] = peer;
    try
    {
        await peer.ReceiveLoopAsync(peers, context.RequestAborted);
    }
    finally
    {
        // A reconnect under the same id may already have replaced this entry; remove only our own.
        peers.TryRemove(new KeyValuePair<string, RelayPeer>(id, peer));
    }
});

app.Run();

// The send lock is never disposed: another peer may still hold a reference from its lookup, and a
// SemaphoreSlim owns no OS handle unless AvailableWaitHandle is used.
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "see above")]
internal sealed class RelayPeer(string id, WebSocket socket)
{
    // Relay frames are a few KB; anything above this is not signaling and is refused rather than buffered.
    private const int MaxMessage = 64 * 1024;

    // Several senders can target one socket at once, and WebSocket allows one send in flight.
    private readonly SemaphoreSlim sendLock = new(1, 1);
    private readonly byte[] prefix = Encoding.UTF8.GetBytes(id + "\n");

    public async Task ReceiveLoopAsync(ConcurrentDictionary<string, RelayPeer> peers, CancellationToken aborted)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxMessage);
        try
        {
            while (true)
            {
                var filled = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (filled == MaxMessage)
                    {
                        await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, null, aborted);
                        return;
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(filled, MaxMessage - filled), aborted);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, aborted);
                        return;
                    }

                    filled += result.Count;
                }
                while (!result.EndOfMessage);

                var message = buffer.AsMemory(0, filled);
                var newline = message.Span.IndexOf((byte)'\n');
                if (newline <= 0)
                {
                    continue;
                }

                // Only the prefix is decoded; the payload is forwarded as bytes.
                var target = Encoding.UTF8.GetString(message.Span[..newline]);
                if (peers.TryGetValue(target, out var to))
                {
                    await to.SendAsync(prefix, message[(newline + 1)..]);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The client went away; nothing to report in a floor measurement.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async ValueTask SendAsync(ReadOnlyMemory<byte> from, ReadOnlyMemory<byte> payload)
    {
        await sendLock.WaitAsync();
        try
        {
            if (socket.State != WebSocketState.Open)
            {
                return;
            }

            // Two frames of one message: the sender's id, then the payload straight from the sender's buffer.
            await socket.SendAsync(from, WebSocketMessageType.Text, WebSocketMessageFlags.None, CancellationToken.None);
            await socket.SendAsync(payload, WebSocketMessageType.Text, WebSocketMessageFlags.EndOfMessage, CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException)
        {
            // The target is gone; its own receive loop cleans up.
        }
        finally
        {
            sendLock.Release();
        }
    }
}
