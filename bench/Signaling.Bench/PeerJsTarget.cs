using System.Text;

namespace Signaling.Bench;

/// <summary>
/// The PeerJS server (npm "peer") over its WebSocket protocol, as peerjs 1.x clients speak it:
/// connect to /peerjs?key=&amp;id=&amp;token=, wait for OPEN, send {type, dst, payload}; the server
/// forwards the same object with src added. It has no rooms, so joining is a no-op.
/// </summary>
public sealed class PeerJsTarget(string key) : ITargetAdapter
{
    // The server closes a socket it has not heard from for alive_timeout (60 s from its CLI); the PeerJS client beats every 5 s.
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(5);

    public string Name => "peerjs";

    // Its CLI answers GET / with a JSON description: the only always-there route.
    public string? HealthPath => "/";

    public async Task<IBenchPeer> ConnectAsync(Uri baseUrl, string peerId, IRelayHandler handler, RunCounters counters, CancellationToken cancellationToken)
    {
        var scheme = baseUrl.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        var token = Guid.NewGuid().ToString("N")[..10];
        var uri = new Uri($"{scheme}://{baseUrl.Authority}/peerjs?key={Uri.EscapeDataString(key)}&id={Uri.EscapeDataString(peerId)}&token={token}");
        var peer = new PeerJsPeer(peerId, handler, counters);
        await peer.StartAsync(uri, cancellationToken);
        return peer;
    }

    /// <summary>The relay kind of a {"type":"OFFER"|"ANSWER"|"CANDIDATE",...} message; null for anything else.</summary>
    internal static RelayKind? Classify(ReadOnlySpan<byte> message)
    {
        var at = message.IndexOf("\"type\":\""u8);
        if (at < 0)
        {
            return null;
        }

        var type = message[(at + 8)..];
        return type.StartsWith("OFFER\""u8) ? RelayKind.Offer
            : type.StartsWith("ANSWER\""u8) ? RelayKind.Answer
            : type.StartsWith("CANDIDATE\""u8) ? RelayKind.IceCandidate
            : null;
    }

    private sealed class PeerJsPeer(string peerId, IRelayHandler handler, RunCounters counters) : WebSocketTextPeer(peerId, handler, counters)
    {
        private readonly TaskCompletionSource<string?> opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Task beating = Task.CompletedTask;

        public async Task StartAsync(Uri uri, CancellationToken cancellationToken)
        {
            await ConnectAsync(uri, cancellationToken);
            var error = await opened.Task.WaitAsync(TimeSpan.FromSeconds(15), cancellationToken);
            if (error is not null)
            {
                throw new InvalidOperationException($"PeerJS refused {PeerId}: {error}");
            }

            beating = Task.Run(HeartbeatLoopAsync, CancellationToken.None);
        }

        public override ValueTask SendAsync(RelayKind kind, string roomId, string toPeerId, long timestamp, CancellationToken cancellationToken)
        {
            // Shaped as a peerjs MediaConnection sends them: the SDP or candidate object plus type and connectionId.
            var message = kind switch
            {
                RelayKind.Offer => $"{{\"type\":\"OFFER\",\"dst\":\"{toPeerId}\",\"payload\":{{\"sdp\":{{\"type\":\"offer\",\"sdp\":\"bts={timestamp};v=0 o=- {RelayPadding.Sdp}\"}},\"type\":\"media\",\"connectionId\":\"mc_{roomId}\"}}}}",
                RelayKind.Answer => $"{{\"type\":\"ANSWER\",\"dst\":\"{toPeerId}\",\"payload\":{{\"sdp\":{{\"type\":\"answer\",\"sdp\":\"bts={timestamp};v=0 o=- {RelayPadding.Sdp}\"}},\"type\":\"media\",\"connectionId\":\"mc_{roomId}\"}}}}",
                _ => $"{{\"type\":\"CANDIDATE\",\"dst\":\"{toPeerId}\",\"payload\":{{\"candidate\":{{\"candidate\":\"bts={timestamp};candidate:842163049 1 udp 1677729535 {RelayPadding.Candidate}\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}},\"type\":\"media\",\"connectionId\":\"mc_{roomId}\"}}}}",
            };
            Counters.Sent1();
            return new ValueTask(SendTextAsync(message, cancellationToken));
        }

        protected override string MediaStateMessage(string toPeerId, string roomId, int stateBits, long timestamp) =>
            $"{{\"type\":\"CANDIDATE\",\"dst\":\"{toPeerId}\",\"payload\":{MediaStatePayload(stateBits, timestamp)}}}";

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            await beating.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        protected override ValueTask OnMessageAsync(ReadOnlyMemory<byte> message)
        {
            var span = message.Span;
            if (Classify(span) is { } kind)
            {
                return RelayedAsync(kind, span);
            }

            var text = Encoding.UTF8.GetString(span[..Math.Min(span.Length, 200)]);
            if (span.IndexOf("\"type\":\"OPEN\""u8) >= 0)
            {
                opened.TrySetResult(null);
            }
            else if (!opened.Task.IsCompleted)
            {
                // ID-TAKEN or ERROR (bad key, connection limit) instead of OPEN.
                opened.TrySetResult(text);
            }
            else
            {
                // LEAVE or EXPIRE: the server gave up on a destination, so a relay was lost.
                Fail("unexpected message: " + text);
            }

            return ValueTask.CompletedTask;
        }

        protected override void Fail(string detail)
        {
            base.Fail(detail);
            opened.TrySetResult(detail);
        }

        private async Task HeartbeatLoopAsync()
        {
            using var timer = new PeriodicTimer(HeartbeatInterval);
            try
            {
                while (await timer.WaitForNextTickAsync(Stopping))
                {
                    await SendTextAsync("{\"type\":\"HEARTBEAT\"}", Stopping);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
            {
                // Stopping, or the socket is gone (the receive loop reports that).
            }
        }
    }
}
