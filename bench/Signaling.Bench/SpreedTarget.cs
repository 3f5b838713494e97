using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace Signaling.Bench;

/// <summary>
/// nextcloud-spreed-signaling (the Nextcloud Talk "high-performance backend") over its standalone
/// API v1, as Talk clients speak it on /spreed: hello 1.0 authenticated by the (fake) Nextcloud
/// backend at <paramref name="backendUrl"/>, a room join, then "message" requests addressed to
/// the other peer's signaling session id. That id is the server's, not ours: each peer learns it
/// from the room's join events, where the backend's user id (= our peer id) is listed beside it.
/// </summary>
public sealed class SpreedTarget(Uri backendUrl) : ITargetAdapter
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(15);

    public string Name => "spreed";

    public async Task<IBenchPeer> ConnectAsync(Uri baseUrl, string peerId, IRelayHandler handler, RunCounters counters, CancellationToken cancellationToken)
    {
        var scheme = baseUrl.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        var peer = new SpreedPeer(peerId, backendUrl, handler, counters);
        await peer.StartAsync(new Uri($"{scheme}://{baseUrl.Authority}/spreed"), cancellationToken);
        return peer;
    }

    /// <summary>The relay kind of a received {"type":"message","message":{"sender":…,"data":{"type":"offer"|"answer"|"candidate",…}}}; null for anything else.</summary>
    internal static RelayKind? Classify(ReadOnlySpan<byte> message)
    {
        if (!message.StartsWith("{\"type\":\"message\""u8))
        {
            return null;
        }

        var data = message.IndexOf("\"data\":{\"type\":\""u8);
        if (data < 0)
        {
            return null;
        }

        var type = message[(data + 16)..];
        return type.StartsWith("offer\""u8) ? RelayKind.Offer
            : type.StartsWith("answer\""u8) ? RelayKind.Answer
            : type.StartsWith("candidate\""u8) ? RelayKind.IceCandidate
            : null;
    }

    private sealed class SpreedPeer(string peerId, Uri backendUrl, IRelayHandler handler, RunCounters counters) : WebSocketTextPeer(peerId, handler, counters)
    {
        private readonly TaskCompletionSource<string> hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<string> joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource bye = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // Peer id (the backend's user id) → that peer's signaling session id, filled from join events.
        private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> sessions = new(StringComparer.Ordinal);
        private volatile bool leaving;

        public async Task StartAsync(Uri uri, CancellationToken cancellationToken)
        {
            await ConnectAsync(uri, cancellationToken);
            // Talk sends the Nextcloud user id and a ticket; the fake backend vouches for whatever user id it is given.
            await SendTextAsync(
                $"{{\"id\":\"hello\",\"type\":\"hello\",\"hello\":{{\"version\":\"1.0\",\"auth\":{{\"url\":{JsonSerializer.Serialize(backendUrl.ToString())},\"params\":{{\"userid\":\"{PeerId}\",\"ticket\":\"bench\"}}}}}}}}",
                cancellationToken);
            await hello.Task.WaitAsync(ReplyTimeout, cancellationToken);
        }

        public override async Task JoinAsync(string roomId, CancellationToken cancellationToken)
        {
            // "sessionid" is the Nextcloud (Talk) session the backend would know from its own join; any id does for the fake one.
            await SendTextAsync($"{{\"id\":\"join\",\"type\":\"room\",\"room\":{{\"roomid\":\"{roomId}\",\"sessionid\":\"{PeerId}\"}}}}", cancellationToken);
            await joined.Task.WaitAsync(ReplyTimeout, cancellationToken);
        }

        public override ValueTask SendAsync(RelayKind kind, string roomId, string toPeerId, long timestamp, CancellationToken cancellationToken)
        {
            var session = SessionOf(toPeerId);
            return session.IsCompletedSuccessfully
                ? new ValueTask(SendRelayAsync(kind, roomId, session.Result, timestamp, cancellationToken))
                : SendWhenKnownAsync(kind, roomId, session, timestamp, cancellationToken);
        }

        public override async ValueTask DisposeAsync()
        {
            // "bye" releases the session at once; without it the server keeps it for a resume and
            // tells the backend about the leave only when that expires, after the run.
            if (hello.Task.IsCompletedSuccessfully)
            {
                leaving = true;
                try
                {
                    await SendTextAsync("{\"id\":\"bye\",\"type\":\"bye\",\"bye\":{}}", CancellationToken.None);
                    await bye.Task.WaitAsync(TimeSpan.FromSeconds(2));
                }
                catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or ObjectDisposedException or TimeoutException)
                {
                    // The socket is already gone or the server did not confirm: the close below ends it anyway.
                }
            }

            await base.DisposeAsync();
        }

        protected override ValueTask OnMessageAsync(ReadOnlyMemory<byte> message)
        {
            var span = message.Span;
            if (Classify(span) is { } kind)
            {
                return RelayedAsync(kind, span);
            }

            OnControl(span);
            return ValueTask.CompletedTask;
        }

        protected override void Fail(string detail)
        {
            // After "bye" the server closes the socket: that is the goodbye, not a failure.
            if (leaving)
            {
                bye.TrySetResult();
                return;
            }

            base.Fail(detail);
            hello.TrySetException(new InvalidOperationException($"spreed {PeerId}: {detail}"));
            joined.TrySetException(new InvalidOperationException($"spreed {PeerId}: {detail}"));
        }

        private async ValueTask SendWhenKnownAsync(RelayKind kind, string roomId, Task<string> session, long timestamp, CancellationToken cancellationToken)
        {
            // Only the first send of a pair can get here: A may offer before B's join event reached A.
            var sessionId = await session.WaitAsync(ReplyTimeout, cancellationToken);
            await SendRelayAsync(kind, roomId, sessionId, timestamp, cancellationToken);
        }

        private Task SendRelayAsync(RelayKind kind, string roomId, string sessionId, long timestamp, CancellationToken cancellationToken)
        {
            // The data object is what a Talk client puts there (type, roomType, sid, payload), with the
            // same SDP / candidate payload and size the other targets carry.
            var message = kind switch
            {
                RelayKind.Offer => $"{{\"type\":\"message\",\"message\":{{\"recipient\":{{\"type\":\"session\",\"sessionid\":\"{sessionId}\"}},\"data\":{{\"type\":\"offer\",\"roomType\":\"video\",\"sid\":\"{roomId}\",\"payload\":{{\"type\":\"offer\",\"sdp\":\"bts={timestamp};v=0 o=- {RelayPadding.Sdp}\"}}}}}}}}",
                RelayKind.Answer => $"{{\"type\":\"message\",\"message\":{{\"recipient\":{{\"type\":\"session\",\"sessionid\":\"{sessionId}\"}},\"data\":{{\"type\":\"answer\",\"roomType\":\"video\",\"sid\":\"{roomId}\",\"payload\":{{\"type\":\"answer\",\"sdp\":\"bts={timestamp};v=0 o=- {RelayPadding.Sdp}\"}}}}}}}}",
                _ => $"{{\"type\":\"message\",\"message\":{{\"recipient\":{{\"type\":\"session\",\"sessionid\":\"{sessionId}\"}},\"data\":{{\"type\":\"candidate\",\"roomType\":\"video\",\"sid\":\"{roomId}\",\"payload\":{{\"candidate\":{{\"candidate\":\"bts={timestamp};candidate:842163049 1 udp 1677729535 {RelayPadding.Candidate}\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}}}}}}}}}",
            };
            Counters.Sent1();
            return SendTextAsync(message, cancellationToken);
        }

        /// <summary>
        /// Fan-out sends one message per member, like the other targets without a broadcast in the
        /// adapter: typed "candidate" so the receiver's relay path takes the timestamp from it.
        /// </summary>
        protected override string MediaStateMessage(string toPeerId, string roomId, int stateBits, long timestamp)
        {
            var session = SessionOf(toPeerId);
            // Fan-out starts after every member joined, so the join events have named every session by then;
            // the bounded wait only covers a join event still on its way.
            var sessionId = session.IsCompletedSuccessfully ? session.Result : session.WaitAsync(ReplyTimeout).GetAwaiter().GetResult();
            return $"{{\"type\":\"message\",\"message\":{{\"recipient\":{{\"type\":\"session\",\"sessionid\":\"{sessionId}\"}},\"data\":{{\"type\":\"candidate\",\"roomType\":\"video\",\"sid\":\"{roomId}\",\"payload\":{MediaStatePayload(stateBits, timestamp)}}}}}}}";
        }

        private Task<string> SessionOf(string peerId) =>
            sessions.GetOrAdd(peerId, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        /// <summary>Everything that is not a relayed message: replies to hello/room/bye, room events, errors.</summary>
        private void OnControl(ReadOnlySpan<byte> message)
        {
            using var document = JsonDocument.Parse(message.ToArray());
            var root = document.RootElement;
            var type = root.TryGetProperty("type", out var t) ? t.GetString() : null;
            var id = root.TryGetProperty("id", out var i) ? i.GetString() : null;
            switch (type)
            {
                case "hello":
                    hello.TrySetResult(root.GetProperty("hello").GetProperty("sessionid").GetString()!);
                    break;
                case "room" when id == "join":
                    joined.TrySetResult(root.GetProperty("room").GetProperty("roomid").GetString()!);
                    break;
                case "bye":
                    bye.TrySetResult();
                    break;
                case "event":
                    OnEvent(root.GetProperty("event"));
                    break;
                case "error":
                    var error = Encoding.UTF8.GetString(message[..Math.Min(message.Length, 300)]);
                    if (id == "hello" && hello.TrySetException(new InvalidOperationException($"spreed refused hello of {PeerId}: {error}")))
                    {
                        break;
                    }

                    if (id == "join" && joined.TrySetException(new InvalidOperationException($"spreed refused the room join of {PeerId}: {error}")))
                    {
                        break;
                    }

                    // An error for a relay message (e.g. unknown recipient): a relay was lost.
                    Fail("error: " + error);
                    break;
                default:
                    // "welcome" and room property updates carry nothing the bench needs.
                    break;
            }
        }

        private void OnEvent(JsonElement @event)
        {
            if (@event.GetProperty("target").GetString() != "room" || @event.GetProperty("type").GetString() != "join")
            {
                return;
            }

            foreach (var entry in @event.GetProperty("join").EnumerateArray())
            {
                if (entry.TryGetProperty("userid", out var user) && user.GetString() is { Length: > 0 } userId
                    && entry.TryGetProperty("sessionid", out var session) && session.GetString() is { Length: > 0 } sessionId)
                {
                    sessions.GetOrAdd(userId, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously))
                        .TrySetResult(sessionId);
                }
            }
        }
    }
}
