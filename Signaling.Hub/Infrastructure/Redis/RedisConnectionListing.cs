using System.Collections.Concurrent;
using System.Text.Json;
using Signaling.Hub.Common;
using Signaling.Hub.Connections;
using StackExchange.Redis;
using ConnectionInfo = Signaling.Contracts.Http.ConnectionInfo;

namespace Signaling.Hub.Infrastructure.Redis;

/// <summary>
/// Lists the hub connections of every live instance by asking them over pub/sub and gathering
/// their answers for a bounded time, so that opening a connection costs no Redis write.
/// </summary>
public sealed partial class RedisConnectionListing(
    RedisConnection redis,
    InstanceIdentity instance,
    ConnectionRegistry connections,
    TimeProvider time,
    ILogger<RedisConnectionListing> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan GatherTimeout = TimeSpan.FromSeconds(2);

    private readonly RedisChannel _requests = RedisConnection.Channel("cluster:requests");
    private readonly RedisChannel _replies = RedisConnection.Channel($"cluster:replies:{instance.Id}");
    private readonly ConcurrentDictionary<string, Gathering> _gatherings = new(StringComparer.Ordinal);
    private bool _subscribed;

    /// <summary>This instance's connections and those that <paramref name="others"/> other instances report in time.</summary>
    public async Task<List<ConnectionInfo>> GatherAsync(string? org, int others, CancellationToken cancellationToken)
    {
        var result = connections.Describe(instance.Id, org);
        if (others == 0)
        {
            return result;
        }

        var gathering = new Gathering(others);
        var requestId = Guid.NewGuid().ToString("N");
        _gatherings[requestId] = gathering;
        try
        {
            await redis.Subscriber.PublishAsync(_requests, JsonSerializer.Serialize(new ConnectionsRequest(requestId, instance.Id, org), Json));
            await gathering.Done.Task.WaitAsync(GatherTimeout, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            LogGatherIncomplete(gathering.Received, others);
        }
        catch (RedisException ex)
        {
            LogUnreachable(ex.GetType().Name);
        }
        finally
        {
            _gatherings.TryRemove(requestId, out _);
        }

        lock (gathering)
        {
            result.AddRange(gathering.Connections);
        }

        return result;
    }

    public async Task EnsureSubscribedAsync()
    {
        if (_subscribed)
        {
            return;
        }

        await redis.Subscriber.SubscribeAsync(_requests, (_, message) => OnRequest(message));
        await redis.Subscriber.SubscribeAsync(_replies, (_, message) => OnReply(message));
        _subscribed = true;
    }

    private void OnRequest(RedisValue message)
    {
        var request = JsonSerializer.Deserialize<ConnectionsRequest>((string)message!, Json);
        if (request is null || request.ReplyTo == instance.Id)
        {
            return;
        }

        var reply = new ConnectionsReply(request.RequestId, connections.Describe(instance.Id, request.Org));
        redis.Subscriber.Publish(RedisConnection.Channel($"cluster:replies:{request.ReplyTo}"), JsonSerializer.Serialize(reply, Json), CommandFlags.FireAndForget);
    }

    private void OnReply(RedisValue message)
    {
        var reply = JsonSerializer.Deserialize<ConnectionsReply>((string)message!, Json);
        if (reply is not null && _gatherings.TryGetValue(reply.RequestId, out var gathering))
        {
            gathering.Add(reply.Connections);
        }
    }

    private sealed record ConnectionsRequest(string RequestId, string ReplyTo, string? Org);

    private sealed record ConnectionsReply(string RequestId, List<ConnectionInfo> Connections);

    private sealed class Gathering(int expected)
    {
        public List<ConnectionInfo> Connections { get; } = [];

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Received { get; private set; }

        public void Add(List<ConnectionInfo> connections)
        {
            lock (this)
            {
                Connections.AddRange(connections);
                if (++Received >= expected)
                {
                    Done.TrySetResult();
                }
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Connection listing incomplete: {Received} of {Expected} instances answered in time")]
    private partial void LogGatherIncomplete(int received, int expected);

    [LoggerMessage(LogLevel.Warning, "Redis unreachable ({Error}); listing this instance's connections only")]
    private partial void LogUnreachable(string error);
}
