using System.Diagnostics;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.SignalR;
using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Hub.Common;
using Signaling.Hub.Hubs;
using Signaling.Hub.Observability;
using Signaling.Hub.Scaling;

namespace Signaling.Hub.Rooms;

/// <summary>
/// The hot path: offers, answers and candidates. Authorization and addressing of peers on this
/// instance come from the in-memory <see cref="RoomDirectory"/>, with no store round trip; only a
/// peer held by another instance costs a store lookup before the backplane send.
/// </summary>
public sealed partial class RelayService(
    RoomDirectory directory,
    ConnectionRegistry connections,
    IHubContext<SignalingHub, ISignalingClient> hub,
    RemotePeers remote,
    IOptionsMonitor<RoomOptions> options,
    SignalingTelemetry telemetry,
    ILogger<RelayService> logger)
{
    public Task OfferAsync(ConnectionSession sender, SdpMessage? message) =>
        RelaySdpAsync(sender, message, "offer", nameof(ISignalingClient.Offer), static (client, payload) => client.Offer(payload));

    public Task AnswerAsync(ConnectionSession sender, SdpMessage? message) =>
        RelaySdpAsync(sender, message, "answer", nameof(ISignalingClient.Answer), static (client, payload) => client.Answer(payload));

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
            await SendRemoteAsync(message.RoomId, message.ToPeerId, nameof(ISignalingClient.IceCandidate), payload);
        }

        telemetry.Relayed("candidate", start);
    }

    private async Task RelaySdpAsync(ConnectionSession sender, SdpMessage? message, string kind, string method, Func<ISignalingClient, RelayedSdp, Task> send)
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
            await SendRemoteAsync(m.RoomId, m.ToPeerId, method, payload);
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

    private async Task SendRemoteAsync(string roomId, string toPeerId, string method, object payload)
    {
        if (!await remote.TrySendAsync(roomId, toPeerId, method, payload))
        {
            throw new RefusalException(ErrorCodes.PeerNotFound, $"peer '{toPeerId}' is not an active member of room '{roomId}'");
        }
    }
}
