using System.Text.Json;
using Microsoft.Extensions.Options;
using Signaling.Hub.Cluster;
using Signaling.Hub.Common;
using Signaling.Hub.Observability;
using StackExchange.Redis;

namespace Signaling.Hub.Infrastructure.Redis;

/// <summary>The instances' liveness records in Redis: one hash field per instance, rewritten at every heartbeat.</summary>
public sealed class RedisInstances(RedisConnection redis, InstanceIdentity instance, SignalingTelemetry telemetry, IOptions<RedisOptions> options, TimeProvider time)
{
    private const string ClaimIfUnchanged = """
        if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
            redis.call('HDEL', KEYS[1], ARGV[1])
            return 1
        end
        return 0
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly RedisKey _key = redis.Key("cluster:instances");
    private readonly long _startedAt = time.NowMs();

    /// <summary>This instance as it would beat now.</summary>
    public InstanceStatus Self => new(instance.Id, _startedAt, time.NowMs(), telemetry.Load);

    public Task BeatAsync() => redis.Database.HashSetAsync(_key, instance.Id, JsonSerializer.Serialize(Self, Json));

    /// <summary>A clean stop leaves no record for survivors to time out on.</summary>
    public Task DeregisterAsync() => redis.Database.HashDeleteAsync(_key, instance.Id);

    /// <summary>Every record, as stored (<see cref="ClaimAsync"/> compares against it) and as read.</summary>
    public async Task<IReadOnlyList<(string Raw, InstanceStatus Status)>> ReadAsync()
    {
        var entries = await redis.Database.HashGetAllAsync(_key);
        var list = new List<(string, InstanceStatus)>(entries.Length);
        foreach (var entry in entries)
        {
            var raw = (string)entry.Value!;
            if (JsonSerializer.Deserialize<InstanceStatus>(raw, Json) is { } status)
            {
                list.Add((raw, status));
            }
        }

        return list;
    }

    /// <summary>Instances whose last beat is within the timeout, this one excepted.</summary>
    public async Task<IEnumerable<InstanceStatus>> OthersAliveAsync()
    {
        var since = time.NowMs() - (long)options.Value.InstanceTimeout.TotalMilliseconds;
        return (await ReadAsync()).Select(i => i.Status).Where(s => s.InstanceId != instance.Id && s.LastBeat >= since);
    }

    /// <summary>Removes a dead instance's record unless it beat again since <paramref name="raw"/> was read.</summary>
    public async Task<bool> ClaimAsync(string instanceId, string raw) =>
        (long)await redis.Database.ScriptEvaluateAsync(ClaimIfUnchanged, [_key], [instanceId, raw]) == 1;
}
