using Microsoft.Extensions.Options;
using Signaling.Hub.Common;
using Signaling.Hub.Scaling;
using Signaling.Hub.Storage.Redis;
using Signaling.Hub.Storage.Sqlite;

namespace Signaling.Hub.Storage;

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

        if (builder.Configuration[$"{StorageOptions.Section}:{nameof(StorageOptions.Provider)}"] == "Redis")
        {
            // No recovery at start here: the store is shared, so the members still marked active
            // may belong to live instances; dead instances are cleaned up by the survivors.
            builder.Services.AddSingleton<IRoomStore, RedisRoomStore>();
            builder.Services.AddSingleton<IClientStore, RedisClientStore>();
            builder.Services.AddSingleton<IConnectRequestStore, RedisConnectRequestStore>();
            builder.Services.AddSingleton<IAdminInboxStore, RedisAdminInboxStore>();
            return builder;
        }

        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            var root = sp.GetRequiredService<IHostEnvironment>().ContentRootPath;
            return new SqliteDatabase(Path.Combine(root, options.Sqlite.Path));
        });
        builder.Services.AddSingleton<IRoomStore, SqliteRoomStore>();
        builder.Services.AddSingleton<IClientStore, SqliteClientStore>();
        builder.Services.AddSingleton<IConnectRequestStore, SqliteConnectRequestStore>();
        builder.Services.AddSingleton<IAdminInboxStore, SqliteAdminInboxStore>();
        builder.Services.AddHostedService<SqliteRecovery>();
        return builder;
    }
}

/// <summary>
/// The embedded store belongs to one process, so members still marked active at start were
/// held by connections that died with the previous process.
/// </summary>
internal sealed partial class SqliteRecovery(IRoomStore rooms, IClientStore clients, IAdminInboxStore admins, TimeProvider time, ILogger<SqliteRecovery> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var stale = await rooms.DeactivateInstanceAsync(null, time.NowMs(), cancellationToken);
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
