using Signaling.Hub.Cluster;
using Signaling.Hub.Common;

namespace Signaling.Hub.Infrastructure.Redis;

/// <summary>
/// Cleans up after an instance that stopped heartbeating (crash, kill -9): its members become
/// inactive and its clients offline, their rooms and admins are told, and its record goes.
/// </summary>
public sealed partial class InstanceReaper(
    RedisInstances instances,
    InstanceRelease release,
    TimeProvider time,
    ILogger<InstanceReaper> logger)
{
    public async Task ReapAsync(InstanceStatus dead, string raw, CancellationToken cancellationToken)
    {
        var now = time.NowMs();
        // The record goes last so a failure midway is retried at the next heartbeat.
        var (inactive, offline) = await release.ReleaseAsync(dead.InstanceId, cancellationToken);
        var claimed = await instances.ClaimAsync(dead.InstanceId, raw);
        LogInstanceLost(dead.InstanceId, now - dead.LastBeat, inactive, offline, claimed);
    }

    [LoggerMessage(LogLevel.Warning, "Instance {InstanceId} missed heartbeats for {SilentMs} ms: marked {Members} members inactive and {Clients} clients offline (record removed: {Removed})")]
    private partial void LogInstanceLost(string instanceId, long silentMs, int members, int clients, bool removed);
}
