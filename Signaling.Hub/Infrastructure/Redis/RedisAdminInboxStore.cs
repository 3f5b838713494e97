using Signaling.Contracts.Admin;
using Signaling.Hub.Admin;
using StackExchange.Redis;
using static Signaling.Hub.Infrastructure.Redis.RedisStore;

namespace Signaling.Hub.Infrastructure.Redis;

/// <summary>
/// Admin presence and kept notifications in Redis. With a = Compose(org, adminId):
/// <c>admins:{org}</c> set of known admin ids, <c>admin-stats:known</c> counter,
/// <c>admin-conns:{a}</c> hash connection → instance, <c>admins-online</c> set of a,
/// <c>admin-inbox:{a}</c> list of notification JSON, <c>instance-admins:{instance}</c> set of
/// Compose(org, adminId, connection), <c>instances:admins</c> set of instances with such an index.
/// </summary>
public sealed class RedisAdminInboxStore(RedisConnection redis) : IAdminInboxStore
{
    /// <summary>An admin away for long keeps the most recent notifications only.</summary>
    private const int MaxKept = 1000;

    private const string ConnectedScript = """
        if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then redis.call('INCR', KEYS[2]) end
        local old = redis.call('HGET', KEYS[3], ARGV[2])
        if old then redis.call('SREM', ARGV[6] .. old, ARGV[5]) end
        redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
        redis.call('SADD', ARGV[6] .. ARGV[3], ARGV[5])
        redis.call('SADD', KEYS[4], ARGV[3])
        redis.call('SADD', KEYS[5], ARGV[4])
        return 0
        """;

    /// <summary>
    /// Drops a connection; with ARGV[4] set, only if that instance still holds it (cleanup after a
    /// dead instance must not remove a connection id re-registered elsewhere).
    /// </summary>
    private const string DisconnectedScript = """
        local instance = redis.call('HGET', KEYS[1], ARGV[1])
        if not instance then return 0 end
        if ARGV[4] ~= '' and instance ~= ARGV[4] then return 0 end
        redis.call('HDEL', KEYS[1], ARGV[1])
        redis.call('SREM', ARGV[3] .. instance, ARGV[5])
        if redis.call('HLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[2]) end
        return 1
        """;

    private const string KeepScript = """
        local admins
        if ARGV[5] == '1' then
          admins = {}
          if redis.call('SISMEMBER', KEYS[1], ARGV[6]) == 1 then admins[1] = ARGV[6] end
        else
          admins = redis.call('SMEMBERS', KEYS[1])
        end
        local kept = 0
        for _, admin in ipairs(admins) do
          if redis.call('EXISTS', ARGV[1] .. admin) == 0 then
            redis.call('RPUSH', ARGV[2] .. admin, ARGV[3])
            redis.call('LTRIM', ARGV[2] .. admin, -tonumber(ARGV[4]), -1)
            kept = kept + 1
          end
        end
        return kept
        """;

    private IDatabase Db => redis.Database;

    private RedisKey Instances => redis.Key("instances:admins");

    private RedisKey Online => redis.Key("admins-online");

    private string InstanceIndexBase => redis.Key("instance-admins:").ToString();

    private RedisKey ConnectionsKey(string org, string adminId) => redis.Key("admin-conns:" + Compose(org, adminId));

    private RedisKey InboxKey(string org, string adminId) => redis.Key("admin-inbox:" + Compose(org, adminId));

    public Task AdminConnectedAsync(string org, string adminId, string connectionId, string instanceId, CancellationToken cancellationToken = default) =>
        Db.ScriptEvaluateAsync(ConnectedScript,
            [redis.Key("admins:" + org), redis.Key("admin-stats:known"), ConnectionsKey(org, adminId), Instances, Online],
            [adminId, connectionId, instanceId, Compose(org, adminId), Compose(org, adminId, connectionId), InstanceIndexBase]);

    public Task AdminDisconnectedAsync(string org, string adminId, string connectionId, CancellationToken cancellationToken = default) =>
        DisconnectAsync(org, adminId, connectionId, null);

    public Task KeepForAbsentAsync(string org, string? adminId, Notification notification, CancellationToken cancellationToken = default) =>
        // The per-admin keys are the org's base with the admin id appended, which Compose allows.
        Db.ScriptEvaluateAsync(KeepScript, [redis.Key("admins:" + org)],
            [
                ConnectionsKey(org, "").ToString(), InboxKey(org, "").ToString(), Serialize(notification), MaxKept,
                adminId is null ? "0" : "1", adminId ?? "",
            ]);

    public async Task<IReadOnlyList<Notification>> TakeAsync(string org, string adminId, CancellationToken cancellationToken = default)
    {
        var inbox = InboxKey(org, adminId);
        var transaction = Db.CreateTransaction();
        var kept = transaction.ListRangeAsync(inbox);
        _ = transaction.KeyDeleteAsync(inbox);
        await transaction.ExecuteAsync();
        return (await kept).Select(n => Deserialize<Notification>(n!)).ToList();
    }

    public async Task RemoveInstanceConnectionsAsync(string? instanceId, CancellationToken cancellationToken = default)
    {
        foreach (var instance in await InstancesAsync(Db, Instances, instanceId))
        {
            var index = redis.Key("instance-admins:" + instance);
            foreach (var entry in await Db.SetMembersAsync(index))
            {
                var parts = Decompose(entry!, 3);
                await DisconnectAsync(parts[0], parts[1], parts[2], instance);
                // An entry whose connection moved to another instance is left behind by the
                // script's instance check; it no longer means anything here.
                await Db.SetRemoveAsync(index, entry);
            }

            await Db.ScriptEvaluateAsync(ForgetInstanceScript, [Instances, index], [instance]);
        }
    }

    public async Task<PresenceCounts> CountAsync(CancellationToken cancellationToken = default)
    {
        var transaction = Db.CreateTransaction();
        var known = transaction.StringGetAsync(redis.Key("admin-stats:known"));
        var online = transaction.SetLengthAsync(Online);
        await transaction.ExecuteAsync();
        var total = await known;
        return new PresenceCounts(total.IsNull ? 0 : Long(total), await online);
    }

    private Task<RedisResult> DisconnectAsync(string org, string adminId, string connectionId, string? instanceId) =>
        Db.ScriptEvaluateAsync(DisconnectedScript, [ConnectionsKey(org, adminId), Online],
            [connectionId, Compose(org, adminId), InstanceIndexBase, instanceId ?? "", Compose(org, adminId, connectionId)]);
}
