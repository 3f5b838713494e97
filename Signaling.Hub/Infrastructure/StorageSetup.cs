using Microsoft.Extensions.Options;
using Signaling.Hub.Admin;
using Signaling.Hub.Common;
using Signaling.Hub.Files;
using Signaling.Hub.Infrastructure.Redis;
using Signaling.Hub.Infrastructure.Sqlite;
using Signaling.Hub.Observability;
using Signaling.Hub.Rooms;

namespace Signaling.Hub.Infrastructure;

public static class StorageSetup
{
    public static WebApplicationBuilder AddSignalingStorage(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.Section)
            .ValidateDataAnnotations()
            .Validate<IConfiguration>(
                (o, configuration) => o.Provider != "Redis" || configuration.RedisEnabled(),
                $"Signaling:Storage:Provider=Redis requires {RedisOptions.Section}:{nameof(RedisOptions.ConnectionString)}")
            .ValidateOnStart();

        // Only the configured provider is registered: nothing of the other one is constructed.
        // An unknown provider is left to the options validation above, which names the key.
        var services = builder.Services;
        if (string.Equals(builder.Configuration[$"{StorageOptions.Section}:{nameof(StorageOptions.Provider)}"], "Redis", StringComparison.Ordinal))
        {
            AddStores<RedisRoomStore, RedisClientStore, RedisConnectRequestStore, RedisAdminInboxStore>(services);
        }
        else
        {
            services.AddSingleton(sp =>
            {
                var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
                var root = sp.GetRequiredService<IHostEnvironment>().ContentRootPath;
                return new SqliteDatabase(Path.Combine(root, options.Sqlite.Path));
            });
            AddStores<SqliteRoomStore, SqliteClientStore, SqliteConnectRequestStore, SqliteAdminInboxStore>(services);
            services.AddHostedService<SqliteRecovery>();
        }

        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store", tags: [HealthSetup.ReadyTag]);
        return builder;
    }

    /// <summary>One room store serves the rooms, members and file-record ports, so they see one state.</summary>
    private static void AddStores<TRooms, TClients, TRequests, TInbox>(IServiceCollection services)
        where TRooms : class, IRoomStore, IMemberStore, IFileRecords
        where TClients : class, IClientStore
        where TRequests : class, IConnectRequestStore
        where TInbox : class, IAdminInboxStore
    {
        services.AddSingleton<TRooms>();
        services.AddSingleton<IRoomStore>(sp => sp.GetRequiredService<TRooms>());
        services.AddSingleton<IMemberStore>(sp => sp.GetRequiredService<TRooms>());
        services.AddSingleton<IFileRecords>(sp => sp.GetRequiredService<TRooms>());
        services.AddSingleton<IClientStore, TClients>();
        services.AddSingleton<IConnectRequestStore, TRequests>();
        services.AddSingleton<IAdminInboxStore, TInbox>();
    }
}

/// <summary>
/// The embedded store belongs to one process, so members still marked active at start were
/// held by connections that died with the previous process.
/// </summary>
/// <remarks>
/// Not used with the Redis provider: that store is shared, so members still marked active may
/// belong to live instances; survivors clean up after dead ones.
/// </remarks>
internal sealed partial class SqliteRecovery(
    IMemberStore members,
    IClientStore clients,
    IAdminInboxStore admins,
    TimeProvider time,
    ILogger<SqliteRecovery> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var stale = await members.DeactivateInstanceAsync(null, time.NowMs(), cancellationToken);
        var offline = await clients.RemoveInstanceConnectionsAsync(null, time.NowMs(), cancellationToken);
        await admins.RemoveInstanceConnectionsAsync(null, cancellationToken);
        if (stale.Count + offline.Count > 0)
        {
            LogRecovered(stale.Count, offline.Count);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Marked {Members} members of the previous run inactive and {Clients} clients offline")]
    private partial void LogRecovered(int members, int clients);
}
