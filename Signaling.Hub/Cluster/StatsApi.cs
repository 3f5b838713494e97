using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Signaling.Contracts.Http;
using Signaling.Hub.Admin;
using Signaling.Hub.Common;
using Signaling.Hub.Rooms;
using Signaling.Hub.Security;

namespace Signaling.Hub.Cluster;

/// <summary>Configuration section <c>Signaling:Stats</c>.</summary>
public sealed class StatsOptions
{
    public const string Section = "Signaling:Stats";

    /// <summary>When true, <c>GET /api/stats</c> needs a valid token; it is public by default, like a status page.</summary>
    public bool RequireAuthentication { get; set; }
}

/// <summary>Cluster-wide figures: per-instance load from the heartbeats, everything else from the shared store.</summary>
public sealed class StatsService(ICluster cluster, IRoomStore rooms, IClientStore clients, IAdminInboxStore admins, IConnectRequestStore requests, StartTime start, TimeProvider time)
{

    public async Task<StatsSnapshot> SnapshotAsync(CancellationToken cancellationToken)
    {
        var instances = await cluster.InstancesAsync(cancellationToken);
        var roomCounts = await rooms.CountAsync(cancellationToken);
        var clientCounts = await clients.CountAsync(cancellationToken);
        var adminCounts = await admins.CountAsync(cancellationToken);
        var requestCounts = await requests.CountAsync(cancellationToken);
        var now = time.NowMs();
        return new StatsSnapshot(
            now,
            (now - start.At) / 1000,
            instances.Count,
            new ConnectionStats(instances.Sum(i => i.Load.Connections), instances.Sum(i => i.Load.ConnectionsOpened)),
            new RoomStats(roomCounts.ActiveRooms, roomCounts.Rooms,
                roomCounts.ActiveRooms == 0 ? 0 : Math.Round((double)roomCounts.ActiveMembers / roomCounts.ActiveRooms, 2)),
            new PeerStats(roomCounts.ActiveMembers),
            new ClientStats(clientCounts.Total, clientCounts.Online, clientCounts.Total - clientCounts.Online),
            new AdminStats(adminCounts.Total, adminCounts.Online),
            new RequestStats(requestCounts.Pending, requestCounts.Queued, requestCounts.Total),
            new MessageStats(instances.Sum(i => i.Load.Relayed)));
    }
}

public static class StatsApi
{
    /// <summary>The instances serving this deployment (this process alone unless infrastructure registers a shared view) and their figures.</summary>
    public static WebApplicationBuilder AddCluster(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<StatsOptions>().BindConfiguration(StatsOptions.Section);
        builder.Services.AddSingleton<StatsService>();
        builder.Services.AddSingleton<InstanceRelease>();
        StartTime.AddTo(builder.Services);
        builder.Services.TryAddSingleton<ICluster, LocalCluster>();
        return builder;
    }

    public static IEndpointRouteBuilder MapStats(this IEndpointRouteBuilder app)
    {
        var stats = app.MapGet("/api/stats", (StatsService service, CancellationToken ct) => service.SnapshotAsync(ct))
            .WithTags("Operations").WithSummary("Cluster-wide figures");
        var requireToken = app.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<StatsOptions>>().Value.RequireAuthentication;
        _ = requireToken ? stats.RequireAuthorization() : stats.AllowAnonymous();

        // An admin sees its own organization's connections only: tenants do not see each other.
        app.MapGet("/api/connections", async (ClaimsPrincipal user, ICluster cluster, CancellationToken ct) =>
            {
                var caller = CallerIdentity.From(user);
                PresenceService.RequireAdmin(caller);
                return TypedResults.Ok(await cluster.ConnectionsAsync(caller.Org, ct));
            })
            .RequireAuthorization().AddEndpointFilter<ProblemDetailsFilter>()
            .WithTags("Operations").WithSummary("Live hub connections of the caller's organization across the cluster");
        return app;
    }
}
