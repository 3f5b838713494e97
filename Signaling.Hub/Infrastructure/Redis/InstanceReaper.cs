using Signaling.Hub.Admin;
using Signaling.Hub.Cluster;
using Signaling.Hub.Common;
using Signaling.Hub.Rooms;

namespace Signaling.Hub.Infrastructure.Redis;

/// <summary>
/// Cleans up after an instance that stopped heartbeating (crash, kill -9): its members become
/// inactive and its clients offline, their rooms and admins are told, and its record goes.
/// </summary>
public sealed partial class InstanceReaper(
    RedisInstances instances,
    IMemberStore members,
    IClientStore clients,
    IAdminInboxStore admins,
    RoomService roomService,
    PresenceService presence,
    TimeProvider time,
    ILogger<InstanceReaper> logger)
{
    public async Task ReapAsync(InstanceStatus dead, string raw, CancellationToken cancellationToken)
    {
        var now = time.NowMs();
        // Store clean-up is idempotent (it only touches what the dead instance still holds), so
        // survivors racing here each report disjoint members; the record goes last so a failure
        // midway is retried at the next heartbeat.
        var inactive = await members.DeactivateInstanceAsync(dead.InstanceId, now, cancellationToken);
        var offline = await clients.RemoveInstanceConnectionsAsync(dead.InstanceId, now, cancellationToken);
        await admins.RemoveInstanceConnectionsAsync(dead.InstanceId, cancellationToken);
        await roomService.InstanceLostAsync(inactive);
        await presence.InstanceLostAsync(offline);
        var claimed = await instances.ClaimAsync(dead.InstanceId, raw);
        LogInstanceLost(dead.InstanceId, now - dead.LastBeat, inactive.Count, offline.Count, claimed);
    }

    [LoggerMessage(LogLevel.Warning, "Instance {InstanceId} missed heartbeats for {SilentMs} ms: marked {Members} members inactive and {Clients} clients offline (record removed: {Removed})")]
    private partial void LogInstanceLost(string instanceId, long silentMs, int members, int clients, bool removed);
}
