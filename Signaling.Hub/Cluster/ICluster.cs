using Signaling.Hub.Common;
using Signaling.Hub.Connections;
using Signaling.Hub.Observability;
using ConnectionInfo = Signaling.Contracts.Http.ConnectionInfo;

namespace Signaling.Hub.Cluster;

/// <summary>A live instance as the cluster sees it.</summary>
/// <param name="InstanceId">The instance's <see cref="InstanceIdentity"/>.</param>
/// <param name="StartedAt">When it started, unix milliseconds.</param>
/// <param name="LastBeat">Its last heartbeat, unix milliseconds.</param>
/// <param name="Load">Its figures at that heartbeat.</param>
public sealed record InstanceStatus(string InstanceId, long StartedAt, long LastBeat, InstanceLoad Load);

/// <summary>The instances serving this deployment: one process by default, every live one with Redis.</summary>
public interface ICluster
{
    /// <summary>Live instances; this one first.</summary>
    Task<IReadOnlyList<InstanceStatus>> InstancesAsync(CancellationToken cancellationToken = default);

    /// <summary>Open hub connections on every live instance, optionally of one organization.</summary>
    Task<IReadOnlyList<ConnectionInfo>> ConnectionsAsync(string? org, CancellationToken cancellationToken = default);

    /// <summary>
    /// Called once by a stopping instance, after it has let go of the store and before it closes its
    /// connections: it stops receiving what other instances publish. Nothing it would receive could
    /// reach a closing connection, and closing each one then costs no round trip of its own.
    /// </summary>
    Task DetachAsync(CancellationToken cancellationToken);
}

/// <summary>The embedded deployment: this process is the whole cluster.</summary>
public sealed class LocalCluster(InstanceIdentity instance, SignalingTelemetry telemetry, ConnectionRegistry connections, StartTime start, TimeProvider time) : ICluster
{
    public Task<IReadOnlyList<InstanceStatus>> InstancesAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<InstanceStatus>>([new InstanceStatus(instance.Id, start.At, time.NowMs(), telemetry.Load)]);

    public Task<IReadOnlyList<ConnectionInfo>> ConnectionsAsync(string? org, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ConnectionInfo>>(connections.Describe(instance.Id, org));

    public Task DetachAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
