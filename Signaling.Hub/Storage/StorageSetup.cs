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

        // The provider is chosen when a store is first resolved, not here: a host may add
        // configuration after this call (WebApplicationFactory applies its settings at Build), and
        // those settings must pick the provider too. Nothing of the other provider is constructed.
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            var root = sp.GetRequiredService<IHostEnvironment>().ContentRootPath;
            return new SqliteDatabase(Path.Combine(root, options.Sqlite.Path));
        });
        builder.Services.AddSingleton<SqliteRoomStore>();
        builder.Services.AddSingleton<SqliteClientStore>();
        builder.Services.AddSingleton<SqliteConnectRequestStore>();
        builder.Services.AddSingleton<SqliteAdminInboxStore>();
        builder.Services.AddSingleton<RedisRoomStore>();
        builder.Services.AddSingleton<RedisClientStore>();
        builder.Services.AddSingleton<RedisConnectRequestStore>();
        builder.Services.AddSingleton<RedisAdminInboxStore>();
        builder.Services.AddSingleton<IRoomStore>(Select<IRoomStore, SqliteRoomStore, RedisRoomStore>);
        builder.Services.AddSingleton<IClientStore>(Select<IClientStore, SqliteClientStore, RedisClientStore>);
        builder.Services.AddSingleton<IConnectRequestStore>(Select<IConnectRequestStore, SqliteConnectRequestStore, RedisConnectRequestStore>);
        builder.Services.AddSingleton<IAdminInboxStore>(Select<IAdminInboxStore, SqliteAdminInboxStore, RedisAdminInboxStore>);
        builder.Services.AddHostedService<SqliteRecovery>();
        return builder;
    }

    internal static bool UsesRedis(IServiceProvider services) =>
        services.GetRequiredService<IOptions<StorageOptions>>().Value.Provider == "Redis";

    private static TStore Select<TStore, TSqlite, TRedis>(IServiceProvider services)
        where TStore : notnull
        where TSqlite : notnull, TStore
        where TRedis : notnull, TStore =>
        UsesRedis(services) ? services.GetRequiredService<TRedis>() : services.GetRequiredService<TSqlite>();
}

/// <summary>
/// The embedded store belongs to one process, so members still marked active at start were
/// held by connections that died with the previous process.
/// </summary>
/// <remarks>
/// Does nothing with the Redis provider: that store is shared, so members still marked active may
/// belong to live instances; survivors clean up after dead ones.
/// </remarks>
internal sealed partial class SqliteRecovery(IServiceProvider services, TimeProvider time, ILogger<SqliteRecovery> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (StorageSetup.UsesRedis(services))
        {
            return;
        }

        var rooms = services.GetRequiredService<IRoomStore>();
        var clients = services.GetRequiredService<IClientStore>();
        var admins = services.GetRequiredService<IAdminInboxStore>();
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
