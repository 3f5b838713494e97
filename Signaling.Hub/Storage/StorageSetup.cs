using Microsoft.Extensions.Options;
using Signaling.Hub.Common;
using Signaling.Hub.Storage.Sqlite;

namespace Signaling.Hub.Storage;

public static class StorageSetup
{
    public static WebApplicationBuilder AddSignalingStorage(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Provider != "Redis", "Signaling:Storage:Provider=Redis is not supported by this build yet; use Sqlite")
            .ValidateOnStart();

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
