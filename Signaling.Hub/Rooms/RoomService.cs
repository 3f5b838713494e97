using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Signaling.Contracts;
using Signaling.Contracts.Rooms;
using Signaling.Hub.Common;
using Signaling.Hub.Connections;
using Signaling.Hub.Observability;
using Signaling.Hub.Security;

namespace Signaling.Hub.Rooms;

/// <summary>Room membership: join, leave, disconnect and member updates, with their broadcasts.</summary>
public sealed partial class RoomService(
    IRoomStore store,
    IMemberStore members,
    RoomDirectory directory,
    RoomLocks locks,
    ConnectionRegistry connections,
    ISessionHandover handover,
    ISignalingClients hub,
    IceServerProvider ice,
    IOptionsMonitor<RoomOptions> options,
    InstanceIdentity instance,
    IEnumerable<IRoomResources> resources,
    DeadlineTimer<RoomJanitor> deadlines,
    IFileLinks fileLinks,
    TimeProvider time,
    ILogger<RoomService> logger)
{
    public async Task<JoinRoomResult> JoinAsync(ConnectionSession session, JoinRoomRequest request)
    {
        using var activity = SignalingTelemetry.Activities.StartActivity("JoinRoom");
        activity?.SetTag("signaling.room_id", request.RoomId);
        activity?.SetTag("signaling.peer_id", session.Caller.Id);
        var caller = session.Caller;
        var roomId = Validate.Id(request.RoomId, "roomId");
        var displayName = Validate.DisplayName(request.DisplayName) ?? caller.Name;
        var userData = request.UserData is null ? null : UserDataRules.Check(UserDataRules.Copy(request.UserData));
        if (!caller.MayEnter(roomId))
        {
            throw RefusalException.Forbidden($"this token may only join room '{caller.RoomScope}'");
        }

        var room = await FindOrCreateAsync(roomId, caller);
        if (caller.RoomScope is not null && !caller.IsInvitedTo(room.RoomId, room.CreationId))
        {
            throw RefusalException.Forbidden($"this token was issued for an earlier room '{roomId}', which was deleted; ask for a new one");
        }

        if (room.Org is not null && room.Org != caller.Org && caller.RoomScope != roomId)
        {
            throw RefusalException.Forbidden($"room '{roomId}' belongs to another organization; ask for a room token");
        }

        var media = request.MediaState ?? new MediaState();
        if (room.Settings.MuteOnEntry)
        {
            media = media with { Audio = false, Video = false };
        }

        var group = GroupNames.Room(roomId);
        JoinOutcome outcome;
        using (await locks.AcquireAsync(roomId))
        {
            outcome = await members.JoinAsync(new JoinCommand(
                roomId, caller.Id, displayName, media, userData, session.ConnectionId, instance.Id, time.NowMs()));
            switch (outcome.Status)
            {
                case JoinStatus.RoomNotFound:
                    throw new RefusalException(ErrorCodes.RoomNotFound, $"room '{roomId}' does not exist");
                case JoinStatus.RoomFull:
                    throw new RefusalException(ErrorCodes.RoomFull,
                        $"room '{roomId}' has {outcome.ActiveCount} of {outcome.Room.MaxParticipants} participants");
            }

            if (outcome.ReplacedConnectionId is { } replaced)
            {
                await ReplaceAsync(roomId, caller.Id, replaced, session.ConnectionId);
            }

            var rejoinedSameConnection = !session.Rooms.TryAdd(roomId, 0);
            directory.Set(roomId, caller.Id, session.ConnectionId);
            await hub.Groups.AddToGroupAsync(session.ConnectionId, group);
            var others = hub.Clients.GroupExcept(group, session.ConnectionId);
            var peer = outcome.Member!.ToPeerInfo(fileLinks);
            await (rejoinedSameConnection ? others.PeerUpdated(peer) : others.PeerJoined(peer));
        }

        LogJoined(caller.Id, roomId, outcome.Reconnected);
        return new JoinRoomResult(
            roomId,
            caller.Id,
            outcome.Reconnected,
            outcome.Members.Where(m => m.PeerId != caller.Id).Select(m => m.ToPeerInfo(fileLinks)).ToList(),
            ice.For(caller.Id),
            ModeFor(outcome.ActiveCount),
            outcome.Room.ToInfo(),
            outcome.ActiveCount,
            outcome.Members.Count);
    }

    public async Task LeaveAsync(ConnectionSession session, string? roomId)
    {
        Validate.Id(roomId, "roomId");
        if (!await DeactivateAsync(session, roomId, PeerLeftReason.Left))
        {
            throw new RefusalException(ErrorCodes.NotInRoom, $"not an active member of room '{roomId}'");
        }
    }

    /// <summary>Every room the closing connection held becomes inactive for it; the rooms are told.</summary>
    public async Task DisconnectAsync(ConnectionSession session)
    {
        foreach (var roomId in session.Rooms.Keys)
        {
            await DeactivateAsync(session, roomId, PeerLeftReason.Disconnected);
        }
    }

    public async Task<PeerInfo> UpdateAsync(ConnectionSession session, string? roomId, MediaState? mediaState, IReadOnlyDictionary<string, JsonElement>? patch)
    {
        Validate.Id(roomId, "roomId");
        RequireMember(session, roomId);
        MemberRecord? updated;
        using (await locks.AcquireAsync(roomId))
        {
            var userData = patch;
            if (patch is not null)
            {
                var current = await members.GetMemberAsync(roomId, session.Caller.Id);
                userData = UserDataRules.Check(UserDataRules.Merge(current?.UserData ?? new Dictionary<string, JsonElement>(), patch));
            }

            updated = await members.UpdateMemberAsync(roomId, session.Caller.Id, session.ConnectionId, mediaState, userData, time.NowMs())
                ?? throw new RefusalException(ErrorCodes.NotInRoom, $"not an active member of room '{roomId}'");
        }

        var peer = updated.ToPeerInfo(fileLinks);
        await hub.Clients.GroupExcept(GroupNames.Room(roomId), session.ConnectionId).PeerUpdated(peer);
        return peer;
    }

    public void RequireMember(ConnectionSession session, string roomId)
    {
        if (!directory.IsHeldBy(roomId, session.Caller.Id, session.ConnectionId))
        {
            throw new RefusalException(ErrorCodes.NotInRoom, $"not an active member of room '{roomId}'");
        }
    }

    public ConnectionMode ModeFor(int activeMembers) =>
        activeMembers <= options.CurrentValue.MeshLimit ? ConnectionMode.P2p : ConnectionMode.Sfu;

    private async Task<RoomRecord> FindOrCreateAsync(string roomId, CallerIdentity caller)
    {
        if (await store.GetRoomAsync(roomId) is { } existing)
        {
            return existing;
        }

        var o = options.CurrentValue;
        // A room token is an invitation to one existing room: replaying it after the room is
        // deleted must not bring the room back.
        if (!o.CreateOnJoin || caller.RoomScope is not null)
        {
            throw new RefusalException(ErrorCodes.RoomNotFound, $"room '{roomId}' does not exist");
        }

        return await store.GetOrCreateRoomAsync(new RoomRecord(
            roomId, roomId, RoomType.Video, o.MaxParticipants, new RoomSettings(), time.NowMs(), caller.Id, caller.Org, RoomRecord.NewCreationId()));
    }

    /// <summary>
    /// Members held by an instance that died were marked inactive by a survivor; their rooms
    /// hear it as a disconnect, since that is what it was.
    /// </summary>
    public async Task InstanceLostAsync(IReadOnlyList<MemberRecord> members)
    {
        // All at once: with a backplane each send is a round trip, and an instance that stops
        // releases all its members here (thousands) within its shutdown time.
        await Task.WhenAll(members.Select(async member =>
        {
            deadlines.Schedule(member.LastSeen + options.CurrentValue.EmptyRoomTimeoutMs);
            await hub.Clients.Group(GroupNames.Room(member.RoomId))
                .PeerLeft(new PeerLeftEvent(member.RoomId, member.PeerId, PeerLeftReason.Disconnected));
            LogLeft(member.PeerId, member.RoomId, PeerLeftReason.Disconnected);
        }));
    }

    /// <summary>Removes the room; its active members get <c>RoomClosed</c> and leave the group.</summary>
    public Task<bool> CloseAsync(string roomId, RoomClosedReason reason) =>
        CloseAsync(roomId, reason, () => store.DeleteRoomAsync(roomId));

    /// <summary>
    /// Closes a room found expired, unless it no longer is: someone may have joined (here or on
    /// another instance) between the sweep that found it and now.
    /// </summary>
    public Task<bool> CloseExpiredAsync(string roomId, long idleBefore, long now) =>
        CloseAsync(roomId, RoomClosedReason.Expired, () => store.DeleteExpiredRoomAsync(roomId, idleBefore, now));

    private async Task<bool> CloseAsync(string roomId, RoomClosedReason reason, Func<Task<bool>> delete)
    {
        var group = GroupNames.Room(roomId);
        using (await locks.AcquireAsync(roomId))
        {
            var closing = await members.GetMembersAsync(roomId);
            if (!await delete())
            {
                return false;
            }

            foreach (var resource in resources)
            {
                resource.Release(roomId);
            }

            // To each member's connection rather than to the room's group: with a backplane a group
            // message goes out through Redis and back, and removing the last local member below can
            // unsubscribe this instance from the group before its own message has come back.
            var holders = closing.Where(m => m is { IsActive: true, ConnectionId: not null }).ToList();
            var closed = new RoomClosedEvent(roomId, reason);
            await Task.WhenAll(holders.Select(m => hub.Clients.Client(m.ConnectionId!).RoomClosed(closed)));
            foreach (var member in holders)
            {
                directory.Remove(roomId, member.PeerId, member.ConnectionId!);
                connections.Find(member.ConnectionId!)?.Rooms.TryRemove(roomId, out _);
                // Not awaited, as for a replaced session below: a member on an instance that died
                // unnoticed would hold the room's lock for the backplane's whole acknowledgement
                // timeout, once per such member. Its RoomClosed went to its connection above.
                _ = hub.Groups.RemoveFromGroupAsync(member.ConnectionId!, group);
            }
        }

        LogClosed(roomId, reason);
        return true;
    }

    private async Task<bool> DeactivateAsync(ConnectionSession session, string roomId, PeerLeftReason reason)
    {
        var group = GroupNames.Room(roomId);
        using (await locks.AcquireAsync(roomId))
        {
            session.Rooms.TryRemove(roomId, out _);
            directory.Remove(roomId, session.Caller.Id, session.ConnectionId);
            var left = await members.LeaveAsync(roomId, session.Caller.Id, session.ConnectionId, time.NowMs());
            if (left is null)
            {
                return false;
            }

            // The room may be empty now; if it is not, its sweep finds nothing to do.
            deadlines.Schedule(left.LastSeen + options.CurrentValue.EmptyRoomTimeoutMs);

            await hub.Groups.RemoveFromGroupAsync(session.ConnectionId, group);
            await hub.Clients.GroupExcept(group, session.ConnectionId).PeerLeft(new PeerLeftEvent(roomId, session.Caller.Id, reason));
        }

        LogLeft(session.Caller.Id, roomId, reason);
        return true;
    }

    /// <summary>The identity's older connection loses the room: it is told, leaves the group, and the room sees it go.</summary>
    private async Task ReplaceAsync(string roomId, string peerId, string oldConnectionId, string newConnectionId)
    {
        if (connections.Find(oldConnectionId) is { } local)
        {
            local.Rooms.TryRemove(roomId, out _);
        }
        else
        {
            // The old session lives on another instance, whose directory would still let it relay.
            await handover.ReplacedAsync(roomId, peerId, oldConnectionId);
        }

        var group = GroupNames.Room(roomId);
        // Not awaited: for a connection on another instance this waits for that instance's ack,
        // and after a crash the old session is on the dead instance (a client that reconnects at
        // once re-joins before the survivors notice the death), so every such re-join would hold
        // the room's lock for the backplane's whole ack timeout. The backplane carries group
        // commands and group messages on different channels, so a room message sent in the moment
        // before a live instance applies the removal can still reach the old connection.
        _ = hub.Groups.RemoveFromGroupAsync(oldConnectionId, group);
        await hub.Clients.Client(oldConnectionId).SessionReplaced(new SessionReplacedEvent(roomId));
        await hub.Clients.GroupExcept(group, [oldConnectionId, newConnectionId]).PeerLeft(new PeerLeftEvent(roomId, peerId, PeerLeftReason.Replaced));
    }

    [LoggerMessage(LogLevel.Information, "Peer {PeerId} joined {RoomId} (reconnected: {Reconnected})")]
    private partial void LogJoined(string peerId, string roomId, bool reconnected);

    [LoggerMessage(LogLevel.Information, "Room {RoomId} closed ({Reason})")]
    private partial void LogClosed(string roomId, RoomClosedReason reason);

    [LoggerMessage(LogLevel.Information, "Peer {PeerId} left {RoomId} ({Reason})")]
    private partial void LogLeft(string peerId, string roomId, PeerLeftReason reason);
}
