using System.Text.Json.Serialization;

namespace Signaling.Contracts.Rooms;

/// <summary>What kind of media a room is for.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RoomType>))]
public enum RoomType
{
    /// <summary>Audio only.</summary>
    [JsonStringEnumMemberName("voice")] Voice,

    /// <summary>Audio and video.</summary>
    [JsonStringEnumMemberName("video")] Video,
}

/// <summary>A hint for clients on how to carry media in a room.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConnectionMode>))]
public enum ConnectionMode
{
    /// <summary>Full mesh: every member connects to every other member.</summary>
    [JsonStringEnumMemberName("p2p")] P2p,

    /// <summary>Too many members for a mesh: route media through a selective forwarding unit.</summary>
    [JsonStringEnumMemberName("sfu")] Sfu,
}

/// <summary>Why a member left a room.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PeerLeftReason>))]
public enum PeerLeftReason
{
    /// <summary>The member called <c>LeaveRoom</c>.</summary>
    [JsonStringEnumMemberName("left")] Left,

    /// <summary>The member's connection closed or its server instance was lost.</summary>
    [JsonStringEnumMemberName("disconnected")] Disconnected,

    /// <summary>The same identity joined the room again from another connection.</summary>
    [JsonStringEnumMemberName("replaced")] Replaced,

    /// <summary>The member was removed by the room's creator or an admin.</summary>
    [JsonStringEnumMemberName("removed")] Removed,

    /// <summary>The room expired or reached its maximum duration.</summary>
    [JsonStringEnumMemberName("expired")] Expired,
}

/// <summary>Why a room was closed.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RoomClosedReason>))]
public enum RoomClosedReason
{
    /// <summary>The room was deleted by its creator or an admin.</summary>
    [JsonStringEnumMemberName("deleted")] Deleted,

    /// <summary>The room reached its maximum duration or stayed empty too long.</summary>
    [JsonStringEnumMemberName("expired")] Expired,
}
