using System.Text.Json;

namespace Signaling.Contracts.Rooms;

/// <summary>Argument of <c>JoinRoom</c>.</summary>
/// <param name="RoomId">The room to join; created on first join unless the server requires rooms to be created first.</param>
/// <param name="DisplayName">Overrides the token's <c>name</c> claim in this room.</param>
/// <param name="MediaState">The joiner's initial media state.</param>
/// <param name="UserData">The joiner's initial user data.</param>
public sealed record JoinRoomRequest(
    string RoomId,
    string? DisplayName = null,
    MediaState? MediaState = null,
    IReadOnlyDictionary<string, JsonElement>? UserData = null);

/// <summary>Result of <c>JoinRoom</c>.</summary>
/// <param name="RoomId">The room joined.</param>
/// <param name="PeerId">The joiner's peer id in the room (its <c>sub</c>).</param>
/// <param name="Reconnected">True when this identity was a member of the room before (inactive or replaced).</param>
/// <param name="Peers">The other members, active and inactive.</param>
/// <param name="IceServers">STUN/TURN servers to use, with short-lived TURN credentials.</param>
/// <param name="ConnectionMode"><c>p2p</c> while the active members, the joiner included, fit a mesh, else <c>sfu</c>.</param>
/// <param name="Room">The room's description.</param>
/// <param name="ActiveCount">Active members after the join, the joiner included.</param>
/// <param name="TotalCount">Members after the join, active and inactive, the joiner included.</param>
public sealed record JoinRoomResult(
    string RoomId,
    string PeerId,
    bool Reconnected,
    IReadOnlyList<PeerInfo> Peers,
    IReadOnlyList<IceServer> IceServers,
    ConnectionMode ConnectionMode,
    RoomInfo Room,
    int ActiveCount,
    int TotalCount);

/// <summary>Argument of <c>UpdateMediaState</c>.</summary>
/// <param name="RoomId">The room.</param>
/// <param name="MediaState">The new media state.</param>
public sealed record UpdateMediaStateRequest(string RoomId, MediaState MediaState);

/// <summary>Argument of <c>UpdateUserData</c>: merged shallowly into the member's user data (a <see langword="null"/> value removes a key).</summary>
/// <param name="RoomId">The room.</param>
/// <param name="UserData">Keys to set.</param>
public sealed record UpdateUserDataRequest(string RoomId, IReadOnlyDictionary<string, JsonElement> UserData);

/// <summary>A STUN or TURN server.</summary>
/// <param name="Urls">Its URLs (<c>stun:</c>, <c>turn:</c>, <c>turns:</c>).</param>
/// <param name="Username">TURN user name, <c>"&lt;expiry unix seconds&gt;:&lt;peerId&gt;"</c>.</param>
/// <param name="Credential">TURN password, base64(HMAC-SHA1(secret, username)).</param>
public sealed record IceServer(IReadOnlyList<string> Urls, string? Username = null, string? Credential = null);

/// <summary>Result of <c>Ping</c>.</summary>
/// <param name="ServerTime">The server's clock, unix milliseconds.</param>
public sealed record PingResult(long ServerTime);

/// <summary>Event <c>ServerShutdown</c>: the server is stopping; reconnect after the given delay.</summary>
/// <param name="Message">A human-readable reason.</param>
/// <param name="ReconnectAfterMs">How long to wait before reconnecting, milliseconds.</param>
public sealed record ServerShutdownEvent(string Message, int ReconnectAfterMs);
