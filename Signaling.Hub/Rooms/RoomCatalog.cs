using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Signaling.Contracts;
using Signaling.Contracts.Http;
using Signaling.Contracts.Rooms;
using Signaling.Hub.Common;
using Signaling.Hub.Security;

namespace Signaling.Hub.Rooms;

/// <summary>Rooms as resources: create, list, describe, delete, and invite with room tokens.</summary>
public sealed class RoomCatalog(
    IRoomStore store,
    IMemberStore members,
    RoomService rooms,
    TokenIssuer tokens,
    IFileLinks fileLinks,
    IOptionsMonitor<RoomOptions> options,
    DeadlineTimer<RoomJanitor> deadlines,
    TimeProvider time)
{
    private const int MaxDurationMinutes = 7 * 24 * 60;

    public async Task<RoomRecord> CreateAsync(CallerIdentity caller, CreateRoomRequest request)
    {
        Validate.NotNull(request, "body");
        var name = Validate.DisplayName(request.Name);
        if (request.MaxParticipants is < 1 or > 10_000)
        {
            throw RefusalException.InvalidArgument("'maxParticipants' must be between 1 and 10000");
        }

        if (request.Settings?.MaxDurationMinutes is < 1 or > MaxDurationMinutes)
        {
            throw RefusalException.InvalidArgument($"'settings.maxDurationMinutes' must be between 1 and {MaxDurationMinutes}");
        }

        if (caller.RoomScope is not null)
        {
            throw RefusalException.Forbidden("a room token cannot create rooms");
        }

        // Unguessable ids: knowing a room id must not be how outsiders find a room.
        var roomId = "r-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var room = await store.GetOrCreateRoomAsync(new RoomRecord(
            roomId, name ?? roomId, request.Type, request.MaxParticipants ?? options.CurrentValue.MaxParticipants,
            request.Settings ?? new RoomSettings(), time.NowMs(), caller.Id, caller.Org, RoomRecord.NewCreationId()));
        // Created empty: it goes at the empty-room timeout unless someone joins first.
        deadlines.Schedule(room.CreatedAt + options.CurrentValue.EmptyRoomTimeoutMs);
        if (room.Settings.MaxDurationMinutes is { } minutes)
        {
            deadlines.Schedule(room.CreatedAt + minutes * 60_000L);
        }

        return room;
    }

    public async Task<RoomPage> ListAsync(CallerIdentity caller, int? offset, int? limit)
    {
        if (offset is < 0 || limit is < 1 or > 100)
        {
            throw RefusalException.InvalidArgument("'offset' must be 0 or more and 'limit' between 1 and 100");
        }

        // A room token carries no organization, so it would list every room created without one.
        if (caller.RoomScope is not null)
        {
            throw RefusalException.Forbidden("a room token cannot list rooms");
        }

        var (items, total) = await store.ListRoomsAsync(caller.Org, offset ?? 0, limit ?? 20);
        return new RoomPage(items.Select(r => r.ToInfo()).ToList(), total, offset ?? 0, limit ?? 20);
    }

    public async Task<RoomDetails> DescribeAsync(CallerIdentity caller, string roomId)
    {
        var room = await VisibleRoomAsync(caller, roomId);
        var listed = await members.GetMembersAsync(roomId);
        var active = listed.Count(m => m.IsActive);
        return new RoomDetails(
            room.RoomId, room.Name, room.Type, room.MaxParticipants, room.Settings, room.CreatedAt, room.CreatedBy,
            rooms.ModeFor(active), listed.Select(m => m.ToPeerInfo(fileLinks)).ToList(), active, listed.Count);
    }

    public async Task DeleteAsync(CallerIdentity caller, string roomId)
    {
        RequireManager(caller, await VisibleRoomAsync(caller, roomId));
        await rooms.CloseAsync(roomId, RoomClosedReason.Deleted);
    }

    public async Task<RoomTokenResponse> IssueTokenAsync(CallerIdentity caller, string roomId, RoomTokenRequest? request)
    {
        var room = await VisibleRoomAsync(caller, roomId);
        RequireManager(caller, room);
        var lifetime = request?.LifetimeMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : tokens.DefaultRoomTokenLifetime;
        if (lifetime < TimeSpan.FromMinutes(1) || lifetime > TimeSpan.FromDays(1))
        {
            throw RefusalException.InvalidArgument("'lifetimeMinutes' must be between 1 and 1440");
        }

        // A guest identity of its own: the token grants this room and nothing of the issuer's.
        var guest = "guest-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var token = tokens.Issue(guest, null, [], null, roomId, lifetime, room.CreationId);
        return new RoomTokenResponse(token.Token, token.ExpiresAt, roomId);
    }

    /// <summary>Rooms of other organizations answer as missing, so ids cannot be probed across tenants.</summary>
    private async Task<RoomRecord> VisibleRoomAsync(CallerIdentity caller, string roomId)
    {
        Validate.Id(roomId, "roomId");
        var room = await store.GetRoomAsync(roomId);
        if (room is null
            || !caller.MayEnter(roomId)
            || (caller.RoomScope is not null && !caller.IsInvitedTo(room.RoomId, room.CreationId))
            || (room.Org is not null && room.Org != caller.Org && caller.RoomScope != roomId))
        {
            throw new RefusalException(ErrorCodes.RoomNotFound, $"room '{roomId}' does not exist");
        }

        return room;
    }

    private static void RequireManager(CallerIdentity caller, RoomRecord room)
    {
        var isCreator = caller.RoomScope is null && caller.Id == room.CreatedBy;
        var isOrgAdmin = caller.IsAdmin && caller.RoomScope is null && caller.Org == room.Org;
        if (!isCreator && !isOrgAdmin)
        {
            throw RefusalException.Forbidden($"only the creator of room '{room.RoomId}' or an admin of its organization may do this");
        }
    }
}
