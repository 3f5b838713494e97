using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;

namespace Signaling.Bench;

/// <summary>
/// Our hub, spoken as raw SignalR JSON or MessagePack over one WebSocket: no client library, so
/// the generator's cost per message stays small and visible, and no negotiate round trip.
/// </summary>
public sealed class SignalRTarget(Func<string, Task<string>> tokenFor, bool noAck = false, string protocol = "json") : ITargetAdapter
{
    public string Name => "signaling";

    public string? HealthPath => "/health/ready";

    public async Task<IBenchPeer> ConnectAsync(Uri baseUrl, string peerId, IRelayHandler handler, RunCounters counters, CancellationToken cancellationToken)
    {
        var scheme = baseUrl.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        var token = await tokenFor(peerId);
        var hub = new Uri($"{scheme}://{baseUrl.Authority}/hubs/signaling?access_token={Uri.EscapeDataString(token)}");
        var peer = new SignalRPeer(peerId, handler, counters, noAck, HubFormat.For(protocol));
        await peer.StartAsync(hub, cancellationToken);
        return peer;
    }
}

internal sealed class SignalRPeer(string peerId, IRelayHandler handler, RunCounters counters, bool noAck, HubFormat format) : IBenchPeer
{
    private const byte RecordSeparator = 0x1E;
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(10);

    private static readonly string SdpPadding = RelayPadding.Sdp;
    private static readonly string CandidatePadding = RelayPadding.Candidate;

    private readonly TextSocket socket = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string?>> awaited = new();
    private readonly CancellationTokenSource stop = new();
    private readonly TaskCompletionSource closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long nextInvocation;
    private TaskCompletionSource<string?>? handshake;
    private Task receiving = Task.CompletedTask;
    private Task pinging = Task.CompletedTask;

    public string PeerId => peerId;

    /// <summary>Completes when the connection has ended, however it ended (the server closed it, or it was disposed).</summary>
    public Task Closed => closed.Task;

    public async Task StartAsync(Uri hub, CancellationToken cancellationToken)
    {
        await socket.ConnectAsync(hub, cancellationToken);
        await socket.SendAsync($"{{\"protocol\":\"{format.Name}\",\"version\":1}}\u001e", cancellationToken);
        var reply = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        handshake = reply;
        awaited["handshake"] = reply;
        receiving = Task.Run(ReceiveLoopAsync, CancellationToken.None);
        var error = await reply.Task.WaitAsync(TimeSpan.FromSeconds(15), cancellationToken);
        if (error is not null)
        {
            throw new InvalidOperationException($"handshake refused: {error}");
        }

        pinging = Task.Run(PingLoopAsync, CancellationToken.None);
    }

    public async Task JoinAsync(string roomId, CancellationToken cancellationToken)
    {
        var id = "j" + Interlocked.Increment(ref nextInvocation);
        var done = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        awaited[id] = done;
        await SendRawAsync(format.JoinRoom(id, roomId), cancellationToken);
        var error = await done.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        if (error is not null)
        {
            throw new InvalidOperationException($"JoinRoom {roomId} as {peerId}: {error}");
        }
    }

    public ValueTask SendAsync(RelayKind kind, string roomId, string toPeerId, long timestamp, CancellationToken cancellationToken)
    {
        // An invocationId makes the server answer with a completion, as JS clients' invoke() does: errors become visible.
        // Without one (send()), the server answers nothing.
        var id = noAck ? null : $"r{Interlocked.Increment(ref nextInvocation)}";
        var text = kind is RelayKind.Offer or RelayKind.Answer
            ? $"bts={timestamp};v=0 o=- {SdpPadding}"
            : $"bts={timestamp};candidate:842163049 1 udp 1677729535 {CandidatePadding}";
        var message = format.Relay(kind, id, roomId, toPeerId, text);
        counters.Sent1();
        return new ValueTask(SendRawAsync(message, cancellationToken));
    }

    public ValueTask BroadcastMediaStateAsync(string roomId, IReadOnlyList<string> otherPeerIds, int stateBits, long timestamp, CancellationToken cancellationToken)
    {
        // One call; the hub fans it out as PeerUpdated. The completion is awaited by nobody but makes refusals count as errors.
        var id = Interlocked.Increment(ref nextInvocation);
        counters.Sent1();
        return new ValueTask(SendRawAsync(format.MediaState($"m{id}", roomId, stateBits), cancellationToken));
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await socket.CloseAsync(receiving, pinging);
        socket.Dispose();
        stop.Dispose();
    }

    private Task SendRawAsync(byte[] message, CancellationToken cancellationToken) => socket.SendAsync(message, format.FrameType, cancellationToken);

    private async Task PingLoopAsync()
    {
        // The server drops a client it has not heard from in 30 s; a paced, quiet peer still must be heard.
        using var timer = new PeriodicTimer(PingInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                await SendRawAsync(format.Ping, stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Stopping, or the socket is gone (the receive loop reports that).
        }
    }

    private async Task ReceiveLoopAsync()
    {
        // Small to start with (it grows to the largest record): density runs hold ~19k peers per process.
        var buffer = new byte[4 * 1024];
        var filled = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (filled == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                var result = await socket.ReceiveAsync(buffer.AsMemory(filled), stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Fail("server closed the WebSocket");
                    return;
                }

                filled += result.Count;
                var start = 0;
                // The handshake reply is JSON text ended by 0x1E whatever the protocol; the messages after it,
                // in the same frame or not, are the protocol's own.
                if (handshake is { } reply)
                {
                    var end = Array.IndexOf(buffer, RecordSeparator, 0, filled);
                    if (end < 0)
                    {
                        continue;
                    }

                    handshake = null;
                    awaited.TryRemove("handshake", out _);
                    reply.TrySetResult(buffer.AsSpan(0, end).IndexOf("\"error\""u8) >= 0 ? Encoding.UTF8.GetString(buffer, 0, end) : null);
                    start = end + 1;
                }

                while (format.TryRead(buffer.AsSpan(start, filled - start), out var consumed, out _))
                {
                    await OnRecordAsync(buffer.AsMemory(start, consumed));
                    start += consumed;
                }

                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
                    filled -= start;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            if (!stop.IsCancellationRequested)
            {
                Fail($"receive failed: {e.Message}");
            }
        }
        finally
        {
            closed.TrySetResult();
        }
    }

    private void Fail(string detail)
    {
        counters.Error($"{peerId}: {detail}");
        foreach (var pending in awaited)
        {
            pending.Value.TrySetResult(detail);
        }
    }

    private ValueTask OnRecordAsync(ReadOnlyMemory<byte> memory)
    {
        format.TryRead(memory.Span, out _, out var record);
        switch (record.Type)
        {
            case 1:
                return OnInvocationAsync(record);
            case 3:
                OnCompletion(record);
                break;
            case 7:
                Fail("server sent Close: " + record.Error);
                break;
        }

        return ValueTask.CompletedTask;
    }

    private ValueTask OnInvocationAsync(HubRecord record)
    {
        var target = record.Target;
        RelayKind kind;
        if (target.SequenceEqual("Offer"u8))
        {
            kind = RelayKind.Offer;
        }
        else if (target.SequenceEqual("Answer"u8))
        {
            kind = RelayKind.Answer;
        }
        else if (target.SequenceEqual("IceCandidate"u8))
        {
            kind = RelayKind.IceCandidate;
        }
        else if (target.SequenceEqual("PeerUpdated"u8))
        {
            return handler.OnPeerUpdatedAsync(format.MediaStateBits(record.Body));
        }
        else
        {
            // PeerJoined and friends: not relay traffic.
            return ValueTask.CompletedTask;
        }

        var at = record.Body.IndexOf("bts="u8);
        if (at < 0 || !Utf8Parser.TryParse(record.Body[(at + 4)..], out long sent, out _))
        {
            counters.Error($"{peerId}: relayed {kind} without a timestamp");
            return ValueTask.CompletedTask;
        }

        return handler.OnRelayAsync(kind, sent);
    }

    private void OnCompletion(HubRecord record)
    {
        var id = record.InvocationId;
        if (id.Length > 0 && id[0] == (byte)'j')
        {
            if (awaited.TryRemove(Encoding.ASCII.GetString(id), out var waiter))
            {
                waiter.TrySetResult(record.Error);
            }
        }
        else if (record.Error is not null)
        {
            counters.Error($"{peerId}: {record.Error}");
        }
    }
}
