using System.Text.Json;
using Signaling.Contracts.Rooms;

namespace Signaling.Hub.Rooms;

/// <summary>
/// A room as stored. <see cref="Org"/> is the creator's organization: members of other organizations need a room token.
/// <see cref="CreationId"/> is unique to this creation of the room; room tokens carry it, so a token
/// outlives neither its room's deletion nor a later room created under the same id (null for rooms
/// stored before it existed).
/// </summary>
public sealed record RoomRecord(
    string RoomId,
    string Name,
    RoomType Type,
    int MaxParticipants,
    RoomSettings Settings,
    long CreatedAt,
    string CreatedBy,
    string? Org,
    string? CreationId = null)
{
    public static string NewCreationId() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));

    public RoomInfo ToInfo() => new(RoomId, Name, Type, MaxParticipants, Settings, CreatedAt, CreatedBy);
}

/// <summary>A member as stored; inactive members keep their record until the room goes away.</summary>
public sealed record MemberRecord(
    string RoomId,
    string PeerId,
    string DisplayName,
    bool IsActive,
    long JoinedAt,
    long LastSeen,
    MediaState MediaState,
    IReadOnlyDictionary<string, JsonElement> UserData,
    string? ConnectionId,
    string? InstanceId,
    IReadOnlyList<SharedFile>? Files = null)
{
    public PeerInfo ToPeerInfo(IFileLinks links) =>
        new(RoomId, PeerId, DisplayName, IsActive, JoinedAt, LastSeen, MediaState, UserData, Files?.Select(links.Link).ToList() ?? []);
}

/// <summary>Everything a join writes; the store applies it atomically with the capacity check.</summary>
public sealed record JoinCommand(
    string RoomId,
    string PeerId,
    string DisplayName,
    MediaState MediaState,
    IReadOnlyDictionary<string, JsonElement>? UserData,
    string ConnectionId,
    string InstanceId,
    long Now);

public enum JoinStatus
{
    Joined,
    RoomNotFound,
    RoomFull,
}

/// <summary>What a join did. On <see cref="JoinStatus.RoomFull"/>, <see cref="Members"/> are the members that filled it.</summary>
/// <param name="Status">Whether the join happened.</param>
/// <param name="Room">The room.</param>
/// <param name="Member">The joiner's record after the join.</param>
/// <param name="Reconnected">The identity had a member record in this room before this join.</param>
/// <param name="ReplacedConnectionId">The connection that held the identity's active membership until this join.</param>
/// <param name="Members">Every member after the join, the joiner included.</param>
public sealed record JoinOutcome(
    JoinStatus Status,
    RoomRecord Room,
    MemberRecord? Member,
    bool Reconnected,
    string? ReplacedConnectionId,
    IReadOnlyList<MemberRecord> Members)
{
    public int ActiveCount => Members.Count(m => m.IsActive);
}

/// <summary>Room figures for <c>GET /api/stats</c>.</summary>
public sealed record RoomCounts(long Rooms, long ActiveRooms, long ActiveMembers);
