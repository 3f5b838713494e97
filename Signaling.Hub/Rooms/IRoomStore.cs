using System.Text.Json;
using Signaling.Contracts.Rooms;

namespace Signaling.Hub.Rooms;

/// <summary>Rooms as resources, shared by every instance: create, find, list, expire, delete.</summary>
public interface IRoomStore
{
    Task<RoomRecord?> GetRoomAsync(string roomId, CancellationToken cancellationToken = default);

    /// <summary>Creates <paramref name="room"/> unless a room with its id exists; returns the stored room either way.</summary>
    Task<RoomRecord> GetOrCreateRoomAsync(RoomRecord room, CancellationToken cancellationToken = default);

    /// <summary>
    /// Rooms of one organization (<see langword="null"/>: rooms created without one), newest first
    /// (ties by id, descending), so a client finds the room it just created on the first page.
    /// </summary>
    Task<(IReadOnlyList<RoomRecord> Items, int Total)> ListRoomsAsync(string? org, int offset, int limit, CancellationToken cancellationToken = default);

    /// <summary>Removes the room and all its members; false when it did not exist.</summary>
    Task<bool> DeleteRoomAsync(string roomId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes the room as <see cref="DeleteRoomAsync"/> does, but only if <see cref="FindExpiredRoomsAsync"/>
    /// would still return it: a member who joined since the room was found idle keeps it. False otherwise.
    /// </summary>
    Task<bool> DeleteExpiredRoomAsync(string roomId, long idleBefore, long now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Rooms past their maximum duration at <paramref name="now"/>, and rooms with no active member
    /// whose last activity is at or before <paramref name="idleBefore"/>.
    /// </summary>
    Task<IReadOnlyList<RoomRecord>> FindExpiredRoomsAsync(long idleBefore, long now, CancellationToken cancellationToken = default);

    /// <summary>
    /// The earliest time after <paramref name="after"/> at which a room reaches its maximum duration
    /// or, having no active member, has been idle for <paramref name="idleFor"/> milliseconds (as
    /// <see cref="FindExpiredRoomsAsync"/> counts it); null when there is none.
    /// </summary>
    Task<long?> NextDeadlineAsync(long idleFor, long after, CancellationToken cancellationToken = default);

    /// <summary>Rooms, rooms with an active member, and active members, across the cluster.</summary>
    Task<RoomCounts> CountAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// Members of rooms, shared by every instance. Operations that two instances may race on (joins
/// against capacity, leaves against a newer session) are atomic in every implementation.
/// </summary>
public interface IMemberStore
{
    /// <summary>Makes the identity an active member unless the room is full (the identity's own earlier session does not count).</summary>
    Task<JoinOutcome> JoinAsync(JoinCommand command, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks the member inactive if <paramref name="connectionId"/> still holds its membership, so
    /// that a replaced connection closing late cannot deactivate the session that replaced it.
    /// </summary>
    /// <returns>The member after the change, or <see langword="null"/> when nothing changed.</returns>
    Task<MemberRecord?> LeaveAsync(string roomId, string peerId, string connectionId, long now, CancellationToken cancellationToken = default);

    /// <summary>Updates an active member held by <paramref name="connectionId"/>; a null argument leaves that part as it is.</summary>
    /// <returns>The member after the change, or <see langword="null"/> when it is not active on that connection.</returns>
    Task<MemberRecord?> UpdateMemberAsync(
        string roomId,
        string peerId,
        string connectionId,
        MediaState? mediaState,
        IReadOnlyDictionary<string, JsonElement>? userData,
        long now,
        CancellationToken cancellationToken = default);

    Task<MemberRecord?> GetMemberAsync(string roomId, string peerId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<MemberRecord>> GetMembersAsync(string roomId, CancellationToken cancellationToken = default);

    /// <summary>The connection that holds an active member, on whichever instance; null when it is not active.</summary>
    async Task<string?> FindConnectionAsync(string roomId, string peerId, CancellationToken cancellationToken = default) =>
        await GetMemberAsync(roomId, peerId, cancellationToken) is { IsActive: true, ConnectionId: { } connectionId } ? connectionId : null;

    /// <summary>
    /// Marks inactive every active member held by <paramref name="instanceId"/> (every instance when
    /// null): their connections died with a process that could not say so.
    /// </summary>
    Task<IReadOnlyList<MemberRecord>> DeactivateInstanceAsync(string? instanceId, long now, CancellationToken cancellationToken = default);
}
