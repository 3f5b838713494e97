using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;

namespace Signaling.Bench;

/// <summary>
/// One soak connection over raw SignalR JSON. Unlike the relay bench peer it parses every
/// record, because the soak's point is to check each relayed message's sender, target, room
/// and sequence rather than to measure the cheapest possible receive path.
/// </summary>
internal sealed class SoakPeer : IAsyncDisposable
{
    private const byte RecordSeparator = 0x1E;
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private readonly TextSocket socket = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string?>> calls = new();
    private readonly CancellationTokenSource stop = new();
    private readonly CancellationTokenSource stopPinging = new();
    private readonly Dictionary<string, long> lastSeqFrom = new(StringComparer.Ordinal);
    private readonly SoakCounters counters;
    private readonly Lock receivedLock = new();
    private TaskCompletionSource? handshake;
    private TaskCompletionSource? receivedEnough;
    private long receivedTarget = long.MaxValue;
    private long received;
    private long nextInvocation;
    private bool closing;
    private Task receiving = Task.CompletedTask;
    private Task pinging = Task.CompletedTask;

    public SoakPeer(string peerId, string roomId, SoakCounters counters)
    {
        PeerId = peerId;
        RoomId = roomId;
        this.counters = counters;
    }

    public string PeerId { get; }

    public string RoomId { get; }

    public long Received => Interlocked.Read(ref received);

    /// <summary>Numbered messages this peer had acknowledged by the server, per target.</summary>
    public Dictionary<string, long> SentTo { get; } = new(StringComparer.Ordinal);

    public async Task ConnectAsync(Uri baseUrl, string token, CancellationToken cancellationToken)
    {
        var scheme = baseUrl.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        await socket.ConnectAsync(new Uri($"{scheme}://{baseUrl.Authority}/hubs/signaling?access_token={Uri.EscapeDataString(token)}"), cancellationToken);
        handshake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await SendRawAsync("{\"protocol\":\"json\",\"version\":1}\u001e");
        receiving = Task.Run(ReceiveLoopAsync, CancellationToken.None);
        await handshake.Task.WaitAsync(CallTimeout, cancellationToken);
        pinging = Task.Run(PingLoopAsync, CancellationToken.None);
    }

    public Task JoinAsync() => InvokeAsync("JoinRoom", $"{{\"roomId\":\"{RoomId}\"}}");

    public Task LeaveAsync() => InvokeAsync("LeaveRoom", $"\"{RoomId}\"");

    /// <summary>Sends the next numbered candidate to <paramref name="toPeerId"/> and waits for the server's answer, so per-target order is the send order.</summary>
    public async Task SendNumberedAsync(string toPeerId)
    {
        var seq = SentTo.GetValueOrDefault(toPeerId) + 1;
        var text = string.Create(CultureInfo.InvariantCulture, $"soak from={PeerId} to={toPeerId} room={RoomId} seq={seq}");
        await InvokeAsync("IceCandidate", $"{{\"roomId\":\"{RoomId}\",\"toPeerId\":\"{toPeerId}\",\"candidate\":{{\"candidate\":\"{text}\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}}}");
        SentTo[toPeerId] = seq;
        counters.Sent1();
    }

    /// <summary>Completes when <paramref name="expected"/> numbered messages have arrived, or after <paramref name="within"/>; returns what arrived.</summary>
    public async Task<long> WaitForReceivedAsync(long expected, TimeSpan within)
    {
        Task wait;
        lock (receivedLock)
        {
            if (received >= expected)
            {
                return received;
            }

            receivedTarget = expected;
            receivedEnough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = receivedEnough.Task;
        }

        try
        {
            await wait.WaitAsync(within);
        }
        catch (TimeoutException)
        {
            // What is missing by then is counted as lost by the caller.
        }

        return Received;
    }

    public async ValueTask DisposeAsync()
    {
        Volatile.Write(ref closing, true);
        // Only the pings stop here: cancelling the pending receive would abort the socket instead of closing it.
        await stopPinging.CancelAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.CloseOutputAsync(timeout.Token);

            // The receive loop ends when the server's close frame arrives: that is the close handshake completing.
            await receiving.WaitAsync(timeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or TimeoutException)
        {
            counters.Error($"{PeerId}: no clean close within 5 s: {e.GetType().Name}: {e.Message} (socket {socket.State})");
        }

        await stop.CancelAsync();
        await socket.AbortAsync(receiving, pinging);
        socket.Dispose();
        stop.Dispose();
        stopPinging.Dispose();
    }

    private async Task InvokeAsync(string target, string argument)
    {
        var id = Interlocked.Increment(ref nextInvocation).ToString(CultureInfo.InvariantCulture);
        var done = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        calls[id] = done;
        await SendRawAsync($"{{\"type\":1,\"invocationId\":\"{id}\",\"target\":\"{target}\",\"arguments\":[{argument}]}}\u001e");
        string? error;
        try
        {
            error = await done.Task.WaitAsync(CallTimeout);
        }
        catch (TimeoutException)
        {
            calls.TryRemove(id, out _);
            throw new InvalidOperationException($"{PeerId}: {target} got no answer within {CallTimeout.TotalSeconds} s");
        }

        if (error is not null)
        {
            throw new InvalidOperationException($"{PeerId}: {target}: {error}");
        }
    }

    private Task SendRawAsync(string message) => socket.SendAsync(message);

    private async Task PingLoopAsync()
    {
        // The server drops a connection it has not heard from in 30 s; a slowly paced peer must still be heard.
        using var timer = new PeriodicTimer(PingInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopPinging.Token))
            {
                await SendRawAsync("{\"type\":6}\u001e");
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Stopping, or the socket is gone: the receive loop reports the latter.
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[16 * 1024];
        var filled = 0;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                var result = await socket.ReceiveAsync(buffer.AsMemory(filled), stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    // Expected only as the answer to our own close.
                    Fail("server closed the WebSocket");
                    return;
                }

                filled += result.Count;
                var start = 0;
                int end;
                // Records may share a frame or span frames: split on the separator.
                while ((end = Array.IndexOf(buffer, RecordSeparator, start, filled - start)) >= 0)
                {
                    OnRecord(buffer.AsMemory(start, end - start));
                    start = end + 1;
                }

                Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
                filled -= start;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            Fail($"receive failed: {e.Message}");
        }
    }

    private void Fail(string detail)
    {
        if (Volatile.Read(ref closing))
        {
            return;
        }

        counters.Error($"{PeerId}: {detail}");
        handshake?.TrySetException(new InvalidOperationException(detail));
        foreach (var call in calls)
        {
            call.Value.TrySetResult(detail);
        }
    }

    private void OnRecord(ReadOnlyMemory<byte> record)
    {
        using var json = JsonDocument.Parse(record);
        var root = json.RootElement;
        if (handshake is { Task.IsCompleted: false } waiting)
        {
            if (root.TryGetProperty("error", out var refused))
            {
                waiting.TrySetException(new InvalidOperationException($"handshake refused: {refused}"));
            }
            else
            {
                waiting.TrySetResult();
            }

            return;
        }

        switch (root.GetProperty("type").GetInt32())
        {
            case 1:
                OnInvocation(root);
                break;
            case 3:
                var id = root.GetProperty("invocationId").GetString()!;
                if (calls.TryRemove(id, out var call))
                {
                    call.TrySetResult(root.TryGetProperty("error", out var error) ? error.GetString() : null);
                }

                break;
            case 7:
                Fail("server sent Close: " + root);
                break;
        }
    }

    private void OnInvocation(JsonElement root)
    {
        var target = root.GetProperty("target").GetString();
        if (target is "PeerJoined" or "PeerLeft" or "PeerUpdated")
        {
            return;
        }

        if (target != "IceCandidate")
        {
            counters.Misrouted($"{PeerId} got an unexpected {target}: {root}");
            return;
        }

        var payload = root.GetProperty("arguments")[0];
        var room = payload.GetProperty("roomId").GetString();
        var from = payload.GetProperty("fromPeerId").GetString()!;
        var fields = payload.GetProperty("candidate").GetProperty("candidate").GetString()!
            .Split(' ').Skip(1).Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);
        // The server sets fromPeerId; the payload carries what the sender claimed: both must agree, and name this peer and room.
        if (room != RoomId || fields["room"] != RoomId || fields["to"] != PeerId || fields["from"] != from)
        {
            counters.Misrouted($"{PeerId} in {RoomId} got {fields["from"]}→{fields["to"]} in {fields["room"]} (server said from {from} in {room})");
            return;
        }

        var seq = long.Parse(fields["seq"], CultureInfo.InvariantCulture);
        lock (receivedLock)
        {
            var expected = lastSeqFrom.GetValueOrDefault(from) + 1;
            if (seq != expected)
            {
                counters.OutOfOrder($"{PeerId} got seq {seq} from {from}, expected {expected}");
            }

            lastSeqFrom[from] = Math.Max(seq, lastSeqFrom.GetValueOrDefault(from));
            received++;
            if (received >= receivedTarget)
            {
                receivedEnough?.TrySetResult();
            }
        }
    }

    /// <summary>The highest sequence received from <paramref name="sender"/>.</summary>
    public long LastFrom(string sender)
    {
        lock (receivedLock)
        {
            return lastSeqFrom.GetValueOrDefault(sender);
        }
    }
}

/// <summary>Counters shared by every soak peer.</summary>
internal sealed class SoakCounters
{
    private long sent;
    private long errors;
    private long misrouted;
    private long outOfOrder;
    private long lost;
    private long connections;
    private long cycles;
    private long delivered;

    public long Sent => Interlocked.Read(ref sent);

    public long Errors => Interlocked.Read(ref errors);

    public long MisroutedCount => Interlocked.Read(ref misrouted);

    public long OutOfOrderCount => Interlocked.Read(ref outOfOrder);

    public long Lost => Interlocked.Read(ref lost);

    public long Connections => Interlocked.Read(ref connections);

    public long Cycles => Interlocked.Read(ref cycles);

    public long Delivered => Interlocked.Read(ref delivered);

    public void AddDelivered(long count) => Interlocked.Add(ref delivered, count);

    public ConcurrentQueue<string> Samples { get; } = new();

    public void Sent1() => Interlocked.Increment(ref sent);

    public void Connected1() => Interlocked.Increment(ref connections);

    public void Cycle1() => Interlocked.Increment(ref cycles);

    public void AddLost(long count, string detail)
    {
        Interlocked.Add(ref lost, count);
        Keep(detail);
    }

    public void Error(string detail)
    {
        Interlocked.Increment(ref errors);
        Keep(detail);
    }

    public void Misrouted(string detail)
    {
        Interlocked.Increment(ref misrouted);
        Keep(detail);
    }

    public void OutOfOrder(string detail)
    {
        Interlocked.Increment(ref outOfOrder);
        Keep(detail);
    }

    // A handful of examples explain a failure; thousands would bury it.
    private void Keep(string detail)
    {
        if (Samples.Count < 20)
        {
            Samples.Enqueue(detail);
        }
    }
}
