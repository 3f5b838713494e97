using System.Diagnostics;
using Microsoft.Extensions.Options;
using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Hub.Common;
using Signaling.Hub.Connections;
using Signaling.Hub.Observability;

namespace Signaling.Hub.Rooms;

/// <summary>
/// The hot path: offers, answers and candidates. Authorization and addressing of peers on this
/// instance come from the in-memory <see cref="RoomDirectory"/>, with no store round trip; only a
/// peer held elsewhere costs a store lookup of its connection, then the send goes through
/// <see cref="ISignalingClients"/> like any other (the backplane, when there is one, carries it).
/// </summary>
public sealed partial class RelayService(
    RoomDirectory directory,
    ConnectionRegistry connections,
    ISignalingClients hub,
    IMemberStore members,
    IOptionsMonitor<RoomOptions> options,
    SignalingTelemetry telemetry,
    ILogger<RelayService> logger)
{
    public Task OfferAsync(ConnectionSession sender, SdpMessage? message) =>
        RelaySdpAsync(sender, message, "offer", static (client, payload) => client.Offer(payload));

    public Task AnswerAsync(ConnectionSession sender, SdpMessage? message) =>
        RelaySdpAsync(sender, message, "answer", static (client, payload) => client.Answer(payload));

    public async Task IceCandidateAsync(ConnectionSession sender, IceCandidateMessage? message)
    {
        var start = Stopwatch.GetTimestamp();
        Validate.NotNull(message, "message");
        if (message.Candidate is { } candidate)
        {
            Validate.Utf8Size(candidate.Candidate, "candidate.candidate", ProtocolLimits.MaxCandidateBytes);
            if (candidate.SdpMid is { Length: > ProtocolLimits.MaxIdLength } || candidate.UsernameFragment is { Length: > 256 })
            {
                throw RefusalException.InvalidArgument("'candidate.sdpMid' or 'candidate.usernameFragment' is too long");
            }
        }

        var payload = new RelayedIceCandidate(message.RoomId, sender.Caller.Id, message.Candidate);
        if (LocalTarget(sender, message.RoomId, message.ToPeerId) is { } target)
        {
            await DeliverLocalAsync(hub.Clients.Client(target).IceCandidate(payload), target, message.ToPeerId);
        }
        else
        {
            await SendElsewhereAsync(message.RoomId, message.ToPeerId, client => client.IceCandidate(payload));
        }

        telemetry.Relayed("candidate", start);
    }

    private async Task RelaySdpAsync(ConnectionSession sender, SdpMessage? message, string kind, Func<ISignalingClient, RelayedSdp, Task> send)
    {
        var start = Stopwatch.GetTimestamp();
        var m = Validate.NotNull(message, "message");
        Validate.Utf8Size(m.Sdp, "sdp", ProtocolLimits.MaxSdpBytes);
        var payload = new RelayedSdp(m.RoomId, sender.Caller.Id, m.Sdp);
        if (LocalTarget(sender, m.RoomId, m.ToPeerId) is { } target)
        {
            await DeliverLocalAsync(send(hub.Clients.Client(target), payload), target, m.ToPeerId);
        }
        else
        {
            await SendElsewhereAsync(m.RoomId, m.ToPeerId, client => send(client, payload));
        }

        telemetry.Relayed(kind, start);
    }

    /// <summary>Checks the sender may relay in the room; the target's connection when it is on this instance, else null.</summary>
    private string? LocalTarget(ConnectionSession sender, string? roomId, string? toPeerId)
    {
        Validate.Id(roomId, "roomId");
        Validate.Id(toPeerId, "toPeerId");
        if (!directory.IsHeldBy(roomId, sender.Caller.Id, sender.ConnectionId))
        {
            throw new RefusalException(ErrorCodes.NotInRoom, $"not an active member of room '{roomId}'");
        }

        return directory.TryGetConnection(roomId, toPeerId, out var target) ? target : null;
    }

    /// <summary>
    /// A write completes at once unless the target's bounded send buffer is full, which means it
    /// stopped reading. Waiting for it without limit would stall the sender (its calls run one
    /// at a time), so after <see cref="RoomOptions.RelaySendTimeout"/> the slow peer is closed.
    /// </summary>
    private Task DeliverLocalAsync(Task write, string targetConnectionId, string toPeerId) =>
        write.IsCompletedSuccessfully ? Task.CompletedTask : AwaitSlowAsync(write, targetConnectionId, toPeerId);

    private async Task AwaitSlowAsync(Task write, string targetConnectionId, string toPeerId)
    {
        try
        {
            await write.WaitAsync(options.CurrentValue.RelaySendTimeout);
        }
        catch (TimeoutException)
        {
            LogSlowConsumer(toPeerId, targetConnectionId, options.CurrentValue.RelaySendTimeout);
            connections.Find(targetConnectionId)?.Abort();
            throw new RefusalException(ErrorCodes.PeerNotFound, $"peer '{toPeerId}' stopped reading and was disconnected");
        }
    }

    [LoggerMessage(LogLevel.Warning, "Peer {PeerId} (connection {ConnectionId}) did not read for {Timeout}: closed as a slow consumer")]
    private partial void LogSlowConsumer(string peerId, string connectionId, TimeSpan timeout);

    /// <summary>
    /// The peer is not held here: the store says which connection holds it, if any, and the send
    /// goes to that connection. Bounded, because the sender's calls run one at a time and a Redis
    /// that stopped answering would otherwise hold them for the client's whole timeout; a lookup
    /// that ran out of time sends nothing, so a refused relay is not delivered late.
    /// </summary>
    private async Task SendElsewhereAsync(string roomId, string toPeerId, Func<ISignalingClient, Task> send)
    {
        var timeout = options.CurrentValue.RemoteRelayTimeout;
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            var connectionId = await members.FindConnectionAsync(roomId, toPeerId, deadline.Token).WaitAsync(deadline.Token)
                ?? throw new RefusalException(ErrorCodes.PeerNotFound, $"peer '{toPeerId}' is not an active member of room '{roomId}'");
            deadline.Token.ThrowIfCancellationRequested();
            await send(hub.Clients.Client(connectionId)).WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new RefusalException(ErrorCodes.Unavailable,
                $"peer '{toPeerId}' of room '{roomId}' is held by another instance, and the relay to it could not be confirmed within {timeout.TotalSeconds:0.#} s");
        }
    }
}
