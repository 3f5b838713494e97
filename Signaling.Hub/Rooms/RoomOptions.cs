using System.ComponentModel.DataAnnotations;

namespace Signaling.Hub.Rooms;

/// <summary>Configuration section <c>Signaling:Rooms</c>.</summary>
public sealed class RoomOptions
{
    public const string Section = "Signaling:Rooms";

    /// <summary>Capacity of rooms that do not set their own.</summary>
    [Range(1, 10_000, ErrorMessage = "Signaling:Rooms:MaxParticipants must be between 1 and 10000")]
    public int MaxParticipants { get; set; } = 10;

    /// <summary>Above this many active members, <c>connectionMode</c> says <c>sfu</c>.</summary>
    [Range(1, 10_000, ErrorMessage = "Signaling:Rooms:MeshLimit must be between 1 and 10000")]
    public int MeshLimit { get; set; } = 4;

    /// <summary>A room with no active member is removed after this long.</summary>
    public TimeSpan EmptyRoomTimeout { get; set; } = TimeSpan.FromMinutes(5);

    internal long EmptyRoomTimeoutMs => (long)EmptyRoomTimeout.TotalMilliseconds;

    /// <summary>
    /// How long a relay may wait on a peer that is not reading (its send buffer full) before that
    /// peer's connection is closed as a slow consumer, so it cannot hold up the sender.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = "Signaling:Rooms:RelaySendTimeout must be between 00:00:00.1 and 00:10:00")]
    public TimeSpan RelaySendTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a relay to a peer held by another instance may take (finding the peer and handing
    /// the message to the backplane) before the sender hears <c>UNAVAILABLE</c> instead.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = "Signaling:Rooms:RemoteRelayTimeout must be between 00:00:00.1 and 00:01:00")]
    public TimeSpan RemoteRelayTimeout { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>Whether <c>JoinRoom</c> creates a room that does not exist (else <c>ROOM_NOT_FOUND</c>).</summary>
    public bool CreateOnJoin { get; set; } = true;

    /// <summary>The <c>joinLink</c> of a created room: an absolute http(s) URL with <c>{roomId}</c> where the room id goes; see <see cref="JoinLinks"/>.</summary>
    public string? JoinLinkTemplate { get; set; }
}
