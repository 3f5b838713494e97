using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Hub.Common;
using Signaling.Hub.Hubs;
using Signaling.Hub.Observability;

namespace Signaling.Hub.Rooms;

/// <summary>
/// The hot path: offers, answers and candidates. Authorization and addressing come from the
/// in-memory <see cref="RoomDirectory"/>; nothing here touches the store.
/// </summary>
public sealed class RelayService(RoomDirectory directory, IHubContext<SignalingHub, ISignalingClient> hub, SignalingTelemetry telemetry)
{
    public async Task OfferAsync(ConnectionSession sender, SdpMessage? message)
    {
        var start = Stopwatch.GetTimestamp();
        var target = Resolve(sender, message, out var m);
        await hub.Clients.Client(target).Offer(new RelayedSdp(m.RoomId, sender.Caller.Id, m.Sdp));
        telemetry.Relayed("offer", start);
    }

    public async Task AnswerAsync(ConnectionSession sender, SdpMessage? message)
    {
        var start = Stopwatch.GetTimestamp();
        var target = Resolve(sender, message, out var m);
        await hub.Clients.Client(target).Answer(new RelayedSdp(m.RoomId, sender.Caller.Id, m.Sdp));
        telemetry.Relayed("answer", start);
    }

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

        var target = Target(sender, message.RoomId, message.ToPeerId);
        await hub.Clients.Client(target).IceCandidate(new RelayedIceCandidate(message.RoomId, sender.Caller.Id, message.Candidate));
        telemetry.Relayed("candidate", start);
    }

    private string Resolve(ConnectionSession sender, SdpMessage? message, out SdpMessage m)
    {
        m = Validate.NotNull(message, "message");
        Validate.Utf8Size(m.Sdp, "sdp", ProtocolLimits.MaxSdpBytes);
        return Target(sender, m.RoomId, m.ToPeerId);
    }

    private string Target(ConnectionSession sender, string? roomId, string? toPeerId)
    {
        Validate.Id(roomId, "roomId");
        Validate.Id(toPeerId, "toPeerId");
        if (!directory.IsHeldBy(roomId, sender.Caller.Id, sender.ConnectionId))
        {
            throw new RefusalException(ErrorCodes.NotInRoom, $"not an active member of room '{roomId}'");
        }

        if (!directory.TryGetConnection(roomId, toPeerId, out var target))
        {
            throw new RefusalException(ErrorCodes.PeerNotFound, $"peer '{toPeerId}' is not an active member of room '{roomId}'");
        }

        return target;
    }
}
