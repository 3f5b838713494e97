using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;

namespace Signaling.Bench;

/// <summary>
/// Our hub, spoken as raw SignalR JSON over one WebSocket: no client library, so the
/// generator's cost per message stays small and visible, and no negotiate round trip.
/// </summary>
public sealed class SignalRTarget(Func<string, Task<string>> tokenFor, bool noAck = false) : ITargetAdapter
{
    public string Name => "signaling";

    public string? HealthPath => "/health/ready";

    public async Task<IBenchPeer> ConnectAsync(Uri baseUrl, string peerId, IRelayHandler handler, RunCounters counters, CancellationToken cancellationToken)
    {
        var scheme = baseUrl.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        var token = await tokenFor(peerId);
        var hub = new Uri($"{scheme}://{baseUrl.Authority}/hubs/signaling?access_token={Uri.EscapeDataString(token)}");
        var peer = new SignalRPeer(peerId, handler, counters, noAck);
        await peer.StartAsync(hub, cancellationToken);
        return peer;
    }
}

internal sealed class SignalRPeer(string peerId, IRelayHandler handler, RunCounters counters, bool noAck) : IBenchPeer
{
    private const byte RecordSeparator = 0x1E;
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(10);

    private static readonly string SdpPadding = RelayPadding.Sdp;
    private static readonly string CandidatePadding = RelayPadding.Candidate;

    private readonly TextSocket socket = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string?>> awaited = new();
    private readonly CancellationTokenSource stop = new();
    private long nextInvocation;
    private TaskCompletionSource<string?>? handshake;
    private Task receiving = Task.CompletedTask;
    private Task pinging = Task.CompletedTask;

    public string PeerId => peerId;

    public async Task StartAsync(Uri hub, CancellationToken cancellationToken)
    {
        await socket.ConnectAsync(hub, cancellationToken);
        await SendRawAsync("{\"protocol\":\"json\",\"version\":1}\u001e", cancellationToken);
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
        await SendRawAsync($"{{\"type\":1,\"invocationId\":\"{id}\",\"target\":\"JoinRoom\",\"arguments\":[{{\"roomId\":\"{roomId}\"}}]}}\u001e", cancellationToken);
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
        var id = noAck ? "" : $"\"invocationId\":\"r{Interlocked.Increment(ref nextInvocation)}\",";
        var message = kind switch
        {
            RelayKind.Offer or RelayKind.Answer =>
                $"{{\"type\":1,{id}\"target\":\"{kind}\",\"arguments\":[{{\"roomId\":\"{roomId}\",\"toPeerId\":\"{toPeerId}\",\"sdp\":\"bts={timestamp};v=0 o=- {SdpPadding}\"}}]}}\u001e",
            _ =>
                $"{{\"type\":1,{id}\"target\":\"IceCandidate\",\"arguments\":[{{\"roomId\":\"{roomId}\",\"toPeerId\":\"{toPeerId}\",\"candidate\":{{\"candidate\":\"bts={timestamp};candidate:842163049 1 udp 1677729535 {CandidatePadding}\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}}}]}}\u001e",
        };
        counters.Sent1();
        return new ValueTask(SendRawAsync(message, cancellationToken));
    }

    public ValueTask BroadcastMediaStateAsync(string roomId, IReadOnlyList<string> otherPeerIds, int stateBits, long timestamp, CancellationToken cancellationToken)
    {
        // One call; the hub fans it out as PeerUpdated. The completion is awaited by nobody but makes refusals count as errors.
        var id = Interlocked.Increment(ref nextInvocation);
        var message = $"{{\"type\":1,\"invocationId\":\"m{id}\",\"target\":\"UpdateMediaState\",\"arguments\":[{{\"roomId\":\"{roomId}\",\"mediaState\":{{\"audio\":{Bool(stateBits, 1)},\"video\":{Bool(stateBits, 2)},\"screen\":{Bool(stateBits, 4)}}}}}]}}\u001e";
        counters.Sent1();
        return new ValueTask(SendRawAsync(message, cancellationToken));

        static string Bool(int bits, int mask) => (bits & mask) != 0 ? "true" : "false";
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await socket.CloseAsync(receiving, pinging);
        socket.Dispose();
        stop.Dispose();
    }

    private Task SendRawAsync(string message, CancellationToken cancellationToken) => socket.SendAsync(message, cancellationToken);

    private async Task PingLoopAsync()
    {
        // The server drops a client it has not heard from in 30 s; a paced, quiet peer still must be heard.
        using var timer = new PeriodicTimer(PingInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                await SendRawAsync("{\"type\":6}\u001e", stop.Token);
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
                int end;
                // Records may share a frame or span frames: split on the separator, not on frame boundaries.
                while ((end = Array.IndexOf(buffer, RecordSeparator, start, filled - start)) >= 0)
                {
                    await OnRecordAsync(buffer.AsMemory(start, end - start));
                    start = end + 1;
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
        var record = memory.Span;
        if (handshake is { } reply)
        {
            handshake = null;
            awaited.TryRemove("handshake", out _);
            reply.TrySetResult(record.IndexOf("\"error\""u8) >= 0 ? Encoding.UTF8.GetString(record) : null);
            return ValueTask.CompletedTask;
        }

        var typeAt = record.IndexOf("\"type\":"u8);
        if (typeAt < 0 || typeAt + 7 >= record.Length)
        {
            return ValueTask.CompletedTask;
        }

        switch (record[typeAt + 7])
        {
            case (byte)'1':
                return OnInvocationAsync(record);
            case (byte)'3':
                OnCompletion(record);
                break;
            case (byte)'7':
                Fail("server sent Close: " + Encoding.UTF8.GetString(record));
                break;
        }

        return ValueTask.CompletedTask;
    }

    private ValueTask OnInvocationAsync(ReadOnlySpan<byte> record)
    {
        var target = StringValue(record, "\"target\":\""u8);
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
            return handler.OnPeerUpdatedAsync(MediaStateBits(record));
        }
        else
        {
            // PeerJoined and friends: not relay traffic.
            return ValueTask.CompletedTask;
        }

        var at = record.IndexOf("bts="u8);
        if (at < 0 || !Utf8Parser.TryParse(record[(at + 4)..], out long sent, out _))
        {
            counters.Error($"{peerId}: relayed {kind} without a timestamp");
            return ValueTask.CompletedTask;
        }

        return handler.OnRelayAsync(kind, sent);
    }

    private void OnCompletion(ReadOnlySpan<byte> record)
    {
        var id = StringValue(record, "\"invocationId\":\""u8);
        var errorAt = record.IndexOf("\"error\":"u8);
        var error = errorAt >= 0 ? Encoding.UTF8.GetString(record[errorAt..]) : null;
        if (id.Length > 0 && id[0] == (byte)'j')
        {
            if (awaited.TryRemove(Encoding.ASCII.GetString(id), out var waiter))
            {
                waiter.TrySetResult(error);
            }
        }
        else if (error is not null)
        {
            counters.Error($"{peerId}: {error}");
        }
    }

    private static int MediaStateBits(ReadOnlySpan<byte> record)
    {
        var at = record.IndexOf("\"mediaState\":{"u8);
        if (at < 0)
        {
            return -1;
        }

        var state = record[at..];
        state = state[..(state.IndexOf((byte)'}') + 1)];
        return (state.IndexOf("\"audio\":true"u8) >= 0 ? 1 : 0)
            | (state.IndexOf("\"video\":true"u8) >= 0 ? 2 : 0)
            | (state.IndexOf("\"screen\":true"u8) >= 0 ? 4 : 0);
    }

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
