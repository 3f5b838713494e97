using System.Text;

namespace Signaling.Bench;

/// <summary>
/// bench/RawRelay: "&lt;to&gt;\n&lt;payload&gt;" out, "&lt;from&gt;\n&lt;payload&gt;" in. The payload is the
/// same JSON shape and size the other targets carry, so only the server's work differs.
/// </summary>
public sealed class RawTarget : ITargetAdapter
{
    public string Name => "raw";

    public string? HealthPath => "/health";

    public async Task<IBenchPeer> ConnectAsync(Uri baseUrl, string peerId, IRelayHandler handler, RunCounters counters, CancellationToken cancellationToken)
    {
        var scheme = baseUrl.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        var peer = new RawPeer(peerId, handler, counters);
        await peer.StartAsync(new Uri($"{scheme}://{baseUrl.Authority}/ws?id={Uri.EscapeDataString(peerId)}"), cancellationToken);
        return peer;
    }

    private sealed class RawPeer(string peerId, IRelayHandler handler, RunCounters counters) : WebSocketTextPeer(peerId, handler, counters)
    {
        public Task StartAsync(Uri uri, CancellationToken cancellationToken) => ConnectAsync(uri, cancellationToken);

        public override ValueTask SendAsync(RelayKind kind, string roomId, string toPeerId, long timestamp, CancellationToken cancellationToken)
        {
            var message = kind switch
            {
                RelayKind.Offer => $"{toPeerId}\n{{\"type\":\"OFFER\",\"payload\":{{\"sdp\":{{\"type\":\"offer\",\"sdp\":\"bts={timestamp};v=0 o=- {RelayPadding.Sdp}\"}}}}}}",
                RelayKind.Answer => $"{toPeerId}\n{{\"type\":\"ANSWER\",\"payload\":{{\"sdp\":{{\"type\":\"answer\",\"sdp\":\"bts={timestamp};v=0 o=- {RelayPadding.Sdp}\"}}}}}}",
                _ => $"{toPeerId}\n{{\"type\":\"CANDIDATE\",\"payload\":{{\"candidate\":{{\"candidate\":\"bts={timestamp};candidate:842163049 1 udp 1677729535 {RelayPadding.Candidate}\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}}}}}",
            };
            Counters.Sent1();
            return new ValueTask(SendTextAsync(message, cancellationToken));
        }

        protected override string MediaStateMessage(string toPeerId, string roomId, int stateBits, long timestamp) =>
            $"{toPeerId}\n{{\"type\":\"CANDIDATE\",\"payload\":{MediaStatePayload(stateBits, timestamp)}}}";

        protected override ValueTask OnMessageAsync(ReadOnlyMemory<byte> message)
        {
            var span = message.Span;
            var newline = span.IndexOf((byte)'\n');
            return PeerJsTarget.Classify(span[(newline + 1)..]) is { } kind
                ? RelayedAsync(kind, span)
                : UnexpectedAsync(span);
        }

        private ValueTask UnexpectedAsync(ReadOnlySpan<byte> message)
        {
            Fail("unexpected message: " + Encoding.UTF8.GetString(message[..Math.Min(message.Length, 120)]));
            return ValueTask.CompletedTask;
        }
    }
}
