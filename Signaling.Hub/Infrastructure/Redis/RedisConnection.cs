using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Signaling.Hub.Infrastructure.Redis;

/// <summary>
/// The process's one multiplexer to Redis, shared by the stores, instance liveness and SignalR's
/// Redis backplane. It never fails start-up when Redis is down: it keeps reconnecting in the
/// background, so an instance serves its own connections through an outage.
/// </summary>
public sealed partial class RedisConnection : IDisposable
{
    private readonly Lazy<ConnectionMultiplexer> _multiplexer;
    private readonly ILogger<RedisConnection> _logger;

    public RedisConnection(IOptions<RedisOptions> options, ILogger<RedisConnection> logger)
    {
        _logger = logger;
        var value = options.Value;
        Prefix = value.KeyPrefix;
        _multiplexer = new Lazy<ConnectionMultiplexer>(() =>
        {
            var configuration = RedisConfiguration.Parse(value.ConnectionString!);
            configuration.AbortOnConnectFail = false;
            configuration.ConnectRetry = 1;
            configuration.ConnectTimeout = 2000;
            // A Redis that stops answering fails its callers after this long (a relay to another
            // instance bounds itself tighter: RoomOptions.RemoteRelayTimeout).
            configuration.SyncTimeout = 5000;
            configuration.AsyncTimeout = 5000;
            // While Redis is unreachable, fail at once instead of queueing: a queued command would
            // hold its caller for the whole timeout, and a relay that ran late is worse than one refused.
            configuration.BacklogPolicy = BacklogPolicy.FailFast;
            // Every channel, ours and the backplane's, lives under the deployment's prefix.
            configuration.ChannelPrefix = RedisChannel.Literal(value.KeyPrefix);
            var multiplexer = ConnectionMultiplexer.Connect(configuration);
            multiplexer.ConnectionFailed += (_, e) => LogConnectionFailed(e.EndPoint?.ToString(), e.ConnectionType, e.FailureType);
            multiplexer.ConnectionRestored += (_, e) => LogConnectionRestored(e.EndPoint?.ToString(), e.ConnectionType);
            return multiplexer;
        });
    }

    /// <summary>The configured key prefix, e.g. <c>signaling:</c>.</summary>
    public string Prefix { get; }

    public ConnectionMultiplexer Multiplexer => _multiplexer.Value;

    public IDatabase Database => Multiplexer.GetDatabase();

    public ISubscriber Subscriber => Multiplexer.GetSubscriber();

    public bool IsConnected => Multiplexer.IsConnected;

    /// <summary>
    /// Completes once commands and subscriptions can both reach Redis; throws a
    /// <see cref="RedisConnectionException"/> when that takes longer than <paramref name="timeout"/>.
    /// </summary>
    public async Task WhenConnectedAsync(TimeSpan timeout)
    {
        var multiplexer = Multiplexer;
        var probe = Channel("cluster:probe");
        bool Ready() => multiplexer.IsConnected && multiplexer.GetSubscriber().IsConnected(probe);
        if (Ready())
        {
            return;
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnRestored(object? sender, ConnectionFailedEventArgs e)
        {
            if (Ready())
            {
                ready.TrySetResult();
            }
        }

        multiplexer.ConnectionRestored += OnRestored;
        try
        {
            if (!Ready())
            {
                await ready.Task.WaitAsync(timeout);
            }
        }
        catch (TimeoutException)
        {
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, $"Redis was not reachable within {timeout.TotalSeconds:0.#} s");
        }
        finally
        {
            multiplexer.ConnectionRestored -= OnRestored;
        }
    }

    /// <summary>A key under the configured prefix.</summary>
    public RedisKey Key(string suffix) => Prefix + suffix;

    /// <summary>A pub/sub channel; the multiplexer puts it under the configured prefix.</summary>
    public static RedisChannel Channel(string name) => RedisChannel.Literal(name);

    public void Dispose()
    {
        if (_multiplexer.IsValueCreated)
        {
            _multiplexer.Value.Dispose();
        }
    }

    [LoggerMessage(LogLevel.Warning, "Redis connection to {Endpoint} ({ConnectionType}) failed: {FailureType}; retrying in the background")]
    private partial void LogConnectionFailed(string? endpoint, ConnectionType connectionType, ConnectionFailureType failureType);

    [LoggerMessage(LogLevel.Information, "Redis connection to {Endpoint} ({ConnectionType}) restored")]
    private partial void LogConnectionRestored(string? endpoint, ConnectionType connectionType);
}
