using Signaling.Contracts.Rooms;

namespace Signaling.Contracts.Http;

/// <summary>Body of <c>POST /api/rooms</c>.</summary>
/// <param name="Name">Display name.</param>
/// <param name="Type">Voice or video.</param>
/// <param name="MaxParticipants">Capacity; the server's default when omitted.</param>
/// <param name="Settings">Room settings.</param>
public sealed record CreateRoomRequest(string? Name = null, RoomType Type = RoomType.Video, int? MaxParticipants = null, RoomSettings? Settings = null);

/// <summary>Answer of <c>POST /api/rooms</c>.</summary>
/// <param name="RoomId">The new room's id.</param>
/// <param name="JoinLink">
/// A link people open to join it: <c>Signaling:Rooms:JoinLinkTemplate</c> with the room id in place
/// of <c>{roomId}</c>; without a template, the browser call sample in the Development environment,
/// and <see langword="null"/> in any other.
/// </param>
/// <param name="Room">The room's description.</param>
public sealed record CreateRoomResponse(string RoomId, string? JoinLink, RoomInfo Room);

/// <summary>Answer of <c>GET /api/rooms/{roomId}</c>.</summary>
/// <param name="RoomId">The room's id.</param>
/// <param name="Name">Display name.</param>
/// <param name="Type">Voice or video.</param>
/// <param name="MaxParticipants">Capacity.</param>
/// <param name="Settings">Room settings.</param>
/// <param name="CreatedAt">Creation time, unix milliseconds.</param>
/// <param name="CreatedBy">Creator's identity.</param>
/// <param name="ConnectionMode">Mesh or SFU hint for the current active members.</param>
/// <param name="Members">Members, active and inactive.</param>
/// <param name="ActiveCount">Active members.</param>
/// <param name="TotalCount">Members, active and inactive.</param>
public sealed record RoomDetails(
    string RoomId,
    string Name,
    RoomType Type,
    int MaxParticipants,
    RoomSettings Settings,
    long CreatedAt,
    string CreatedBy,
    ConnectionMode ConnectionMode,
    IReadOnlyList<PeerInfo> Members,
    int ActiveCount,
    int TotalCount);

/// <summary>One page of <c>GET /api/rooms</c>, newest room first.</summary>
/// <param name="Items">The rooms on this page, newest first.</param>
/// <param name="Total">How many rooms there are.</param>
/// <param name="Offset">The offset of the first item.</param>
/// <param name="Limit">The page size.</param>
public sealed record RoomPage(IReadOnlyList<RoomInfo> Items, int Total, int Offset, int Limit);
