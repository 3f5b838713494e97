using Signaling.Contracts.Admin;

namespace Signaling.Hub.Admin;

/// <summary>
/// Admin presence and the notifications kept for admins who were away, handed over in
/// <c>PendingNotifications</c> when they connect.
/// </summary>
public interface IAdminInboxStore
{
    Task AdminConnectedAsync(string org, string adminId, string connectionId, string instanceId, CancellationToken cancellationToken = default);

    Task AdminDisconnectedAsync(string org, string adminId, string connectionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Keeps <paramref name="notification"/> for every known admin of the org who has no open
    /// connection now; only for <paramref name="adminId"/> when given.
    /// </summary>
    Task KeepForAbsentAsync(string org, string? adminId, Notification notification, CancellationToken cancellationToken = default);

    /// <summary>Removes and returns what was kept for the admin, oldest first.</summary>
    Task<IReadOnlyList<Notification>> TakeAsync(string org, string adminId, CancellationToken cancellationToken = default);

    /// <summary>Drops admin connections held by <paramref name="instanceId"/> (every instance when null).</summary>
    Task RemoveInstanceConnectionsAsync(string? instanceId, CancellationToken cancellationToken = default);

    /// <summary>Known admins and admins with an open connection, across the cluster.</summary>
    Task<PresenceCounts> CountAsync(CancellationToken cancellationToken = default);
}
