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
            services.AddSingleton<RedisRoomStore>();
            services.AddSingleton<IRoomStore>(sp => sp.GetRequiredService<RedisRoomStore>());
            services.AddSingleton<IMemberStore>(sp => sp.GetRequiredService<RedisRoomStore>());
            services.AddSingleton<IFileRecords>(sp => sp.GetRequiredService<RedisRoomStore>());
            services.AddSingleton<IClientStore, RedisClientStore>();
            services.AddSingleton<IConnectRequestStore, RedisConnectRequestStore>();
            services.AddSingleton<IAdminInboxStore, RedisAdminInboxStore>();
        }
        else
        {
            services.AddSingleton(sp =>
            {
                var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
                var root = sp.GetRequiredService<IHostEnvironment>().ContentRootPath;
                return new SqliteDatabase(Path.Combine(root, options.Sqlite.Path));
            });
            services.AddSingleton<SqliteRoomStore>();
            services.AddSingleton<IRoomStore>(sp => sp.GetRequiredService<SqliteRoomStore>());
            services.AddSingleton<IMemberStore>(sp => sp.GetRequiredService<SqliteRoomStore>());
            services.AddSingleton<IFileRecords>(sp => sp.GetRequiredService<SqliteRoomStore>());
            services.AddSingleton<IClientStore, SqliteClientStore>();
            services.AddSingleton<IConnectRequestStore, SqliteConnectRequestStore>();
            services.AddSingleton<IAdminInboxStore, SqliteAdminInboxStore>();
            services.AddHostedService<SqliteRecovery>();
        }

        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store", tags: [HealthSetup.ReadyTag]);
        return builder;
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
