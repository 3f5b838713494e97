namespace Signaling.Hub.Admin;

/// <summary>Known identities of a kind (clients or admins) and how many are connected.</summary>
public sealed record PresenceCounts(long Total, long Online);

/// <summary>Connect request figures for <c>GET /api/stats</c>.</summary>
public sealed record RequestCounts(long Pending, long Queued, long Total);
