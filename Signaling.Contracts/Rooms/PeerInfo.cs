using System.Text.Json;

namespace Signaling.Contracts.Rooms;

/// <summary>A member of a room, active or not.</summary>
/// <param name="RoomId">The room.</param>
/// <param name="PeerId">The member's identity (its token's <c>sub</c>).</param>
/// <param name="DisplayName">The member's display name.</param>
/// <param name="IsActive">Whether the member is connected to the room now; members who left stay listed as inactive.</param>
/// <param name="JoinedAt">When the member last joined, unix milliseconds.</param>
/// <param name="LastSeen">When the member was last seen active, unix milliseconds.</param>
/// <param name="MediaState">The member's media state.</param>
/// <param name="UserData">Arbitrary data the member attached to itself.</param>
/// <param name="Files">Files the member uploaded to the room.</param>
public sealed record PeerInfo(
    string RoomId,
    string PeerId,
    string DisplayName,
    bool IsActive,
    long JoinedAt,
    long LastSeen,
    MediaState MediaState,
    IReadOnlyDictionary<string, JsonElement> UserData,
    IReadOnlyList<SharedFile> Files);

/// <summary>Event <c>PeerLeft</c>: a member left a room.</summary>
/// <param name="RoomId">The room.</param>
/// <param name="PeerId">The member who left.</param>
/// <param name="Reason">Why it left.</param>
public sealed record PeerLeftEvent(string RoomId, string PeerId, PeerLeftReason Reason);

/// <summary>Event <c>RoomClosed</c>: the room no longer exists; the receiver is no longer a member.</summary>
/// <param name="RoomId">The room.</param>
/// <param name="Reason">Why it closed.</param>
public sealed record RoomClosedEvent(string RoomId, RoomClosedReason Reason);

/// <summary>Event <c>SessionReplaced</c>: the same identity joined this room from another connection, which now holds the membership.</summary>
/// <param name="RoomId">The room.</param>
public sealed record SessionReplacedEvent(string RoomId);
