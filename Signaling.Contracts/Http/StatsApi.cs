using Signaling.Contracts.Admin;

namespace Signaling.Contracts.Http;

/// <summary>Answer of <c>GET /api/stats</c>: cluster-wide figures.</summary>
/// <param name="Timestamp">When, unix milliseconds.</param>
/// <param name="UptimeSeconds">Uptime of the answering instance.</param>
/// <param name="Instances">Live instances in the cluster.</param>
/// <param name="Connections">Hub connections.</param>
/// <param name="Rooms">Rooms.</param>
/// <param name="Peers">Room members.</param>
/// <param name="Clients">Client devices.</param>
/// <param name="Admins">Admins.</param>
/// <param name="Requests">Connect requests.</param>
/// <param name="Messages">Relayed messages.</param>
public sealed record StatsSnapshot(
    long Timestamp,
    long UptimeSeconds,
    int Instances,
    ConnectionStats Connections,
    RoomStats Rooms,
    PeerStats Peers,
    ClientStats Clients,
    AdminStats Admins,
    RequestStats Requests,
    MessageStats Messages);

/// <summary>Hub connections.</summary>
/// <param name="Active">Open now.</param>
/// <param name="Total">Opened since start.</param>
public sealed record ConnectionStats(long Active, long Total);

/// <summary>Rooms.</summary>
/// <param name="Active">Rooms with an active member.</param>
/// <param name="Total">All rooms.</param>
/// <param name="AveragePeersPerRoom">Active members per active room.</param>
public sealed record RoomStats(long Active, long Total, double AveragePeersPerRoom);

/// <summary>Room members.</summary>
/// <param name="Active">Active members.</param>
public sealed record PeerStats(long Active);

/// <summary>Client devices.</summary>
/// <param name="Total">Known clients.</param>
/// <param name="Online">Connected now.</param>
/// <param name="Offline">Not connected.</param>
public sealed record ClientStats(long Total, long Online, long Offline);

/// <summary>Admins.</summary>
/// <param name="Total">Known admins.</param>
/// <param name="Online">Connected now.</param>
public sealed record AdminStats(long Total, long Online);

/// <summary>Connect requests.</summary>
/// <param name="Pending">Delivered, awaiting an answer.</param>
/// <param name="Queued">Waiting for an offline client.</param>
/// <param name="Total">Created since the store began.</param>
public sealed record RequestStats(long Pending, long Queued, long Total);

/// <summary>Relayed messages.</summary>
/// <param name="Relayed">Offers, answers and candidates relayed.</param>
public sealed record MessageStats(long Relayed);

/// <summary>One live hub connection, from <c>GET /api/connections</c>.</summary>
/// <param name="ConnectionId">SignalR's connection id.</param>
/// <param name="UserId">The identity.</param>
/// <param name="UserName">Display name.</param>
/// <param name="Roles">Roles.</param>
/// <param name="Org">Organization.</param>
/// <param name="InstanceId">The instance holding it.</param>
/// <param name="ConnectedAt">When it connected, unix milliseconds.</param>
/// <param name="Rooms">Rooms it is an active member of.</param>
public sealed record ConnectionInfo(
    string ConnectionId,
    string UserId,
    string UserName,
    IReadOnlyList<string> Roles,
    string? Org,
    string InstanceId,
    long ConnectedAt,
    IReadOnlyList<string> Rooms);

/// <summary>Answer of <c>GET /api/admin/analytics</c> for the caller's organization.</summary>
/// <param name="Org">The organization.</param>
/// <param name="Total">Requests created.</param>
/// <param name="ByStatus">Requests per current state.</param>
/// <param name="SuccessRate">Accepted divided by answered, expired and cancelled; 0 when none.</param>
/// <param name="MedianTimeToAnswerMs">Median time from creation to an answer, milliseconds; <see langword="null"/> when none.</param>
public sealed record AnalyticsReport(
    string Org,
    int Total,
    IReadOnlyDictionary<ConnectRequestStatus, int> ByStatus,
    double SuccessRate,
    long? MedianTimeToAnswerMs);
