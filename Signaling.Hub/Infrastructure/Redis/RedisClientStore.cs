using Signaling.Contracts.Admin;
using Signaling.Hub.Admin;
using StackExchange.Redis;
using static Signaling.Hub.Infrastructure.Redis.RedisStore;

namespace Signaling.Hub.Infrastructure.Redis;

/// <summary>
/// The client registry in Redis. With c = Compose(org, clientId): <c>client:{c}</c> hash (user,
/// first, last, count), <c>client-conns:{c}</c> hash connection → instance,
/// <c>client-history:{c}</c> list of entry JSON, <c>clients-by-org:{org}</c> zset of client ids
/// (equal scores, so ordered by id), <c>client-stats:known</c> counter, <c>clients-online</c> set
/// of c, <c>instance-clients:{instance}</c> set of Compose(org, clientId, connection),
/// <c>instances:clients</c> set of instances with such an index. Each change is one script.
/// </summary>
public sealed class RedisClientStore(RedisConnection redis) : IClientStore
{
    private const string ConnectedScript = RedisStore.LuaHistory + """
        local existed = redis.call('EXISTS', KEYS[1])
        local before = redis.call('HLEN', KEYS[2])
        if existed == 1 then
          redis.call('HSET', KEYS[1], 'user', ARGV[1], 'last', ARGV[2])
          redis.call('HINCRBY', KEYS[1], 'count', 1)
        else
          redis.call('HSET', KEYS[1], 'user', ARGV[1], 'first', ARGV[2], 'last', ARGV[2], 'count', 1)
          redis.call('ZADD', KEYS[4], 0, ARGV[5])
          redis.call('INCR', KEYS[5])
        end
        local old = redis.call('HGET', KEYS[2], ARGV[3])
        if old then redis.call('SREM', ARGV[8] .. old, ARGV[7]) end
        redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
        redis.call('SADD', ARGV[8] .. ARGV[4], ARGV[7])
        redis.call('SADD', KEYS[7], ARGV[4])
        redis.call('SADD', KEYS[6], ARGV[6])
        history(KEYS[3], 'connected', ARGV[2])
        local c = redis.call('HMGET', KEYS[1], 'user', 'first', 'last', 'count')
        return {existed, before, c[1], c[2], c[3], c[4], redis.call('HLEN', KEYS[2])}
        """;

    private const string DisconnectedScript = RedisStore.LuaHistory + """
        local instance = redis.call('HGET', KEYS[2], ARGV[1])
        if not instance then return false end
        redis.call('HDEL', KEYS[2], ARGV[1])
        redis.call('SREM', ARGV[5] .. instance, ARGV[4])
        redis.call('HSET', KEYS[1], 'last', ARGV[2])
        history(KEYS[3], 'disconnected', ARGV[2])
        local n = redis.call('HLEN', KEYS[2])
        if n == 0 then redis.call('SREM', KEYS[4], ARGV[3]) end
        local c = redis.call('HMGET', KEYS[1], 'user', 'first', 'last', 'count')
        return {c[1], c[2], c[3], c[4], n}
        """;

    /// <summary>Drops one indexed connection if the instance still holds it; returns the client when that took it offline.</summary>
    private const string RemoveScript = RedisStore.LuaHistory + """
        redis.call('SREM', KEYS[5], ARGV[5])
        if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return false end
        redis.call('HDEL', KEYS[2], ARGV[1])
        if redis.call('HLEN', KEYS[2]) > 0 then return false end
        redis.call('HSET', KEYS[1], 'last', ARGV[3])
        history(KEYS[3], 'disconnected', ARGV[3])
        redis.call('SREM', KEYS[4], ARGV[4])
        local c = redis.call('HMGET', KEYS[1], 'user', 'first', 'last', 'count')
        return {c[1], c[2], c[3], c[4], 0}
        """;

    private IDatabase Db => redis.Database;

    private RedisKey Instances => redis.Key("instances:clients");

    private RedisKey Online => redis.Key("clients-online");

    private string InstanceIndexBase => redis.Key("instance-clients:").ToString();

    internal static RedisKey ClientKey(RedisConnection redis, string org, string clientId) => redis.Key("client:" + Compose(org, clientId));

    internal static RedisKey ConnectionsKey(RedisConnection redis, string org, string clientId) => redis.Key("client-conns:" + Compose(org, clientId));

    internal static RedisKey HistoryKey(RedisConnection redis, string org, string clientId) => redis.Key("client-history:" + Compose(org, clientId));

    public async Task<ClientPresence> ClientConnectedAsync(string org, string clientId, string userName, string connectionId, string instanceId, long now, CancellationToken cancellationToken = default)
    {
        var r = (RedisResult[])(await Db.ScriptEvaluateAsync(ConnectedScript,
            [ClientKey(redis, org, clientId), ConnectionsKey(redis, org, clientId), HistoryKey(redis, org, clientId),
             redis.Key("clients-by-org:" + org), redis.Key("client-stats:known"), Online, Instances],
            [userName, now, connectionId, instanceId, clientId, Compose(org, clientId), Compose(org, clientId, connectionId), InstanceIndexBase]))!;
        var client = Client(org, clientId, r[2..]);
        return new ClientPresence(client, (long)r[0] == 1, (long)r[1] == 0);
    }

    public async Task<ClientPresence?> ClientDisconnectedAsync(string org, string clientId, string connectionId, long now, CancellationToken cancellationToken = default)
    {
        var result = await Db.ScriptEvaluateAsync(DisconnectedScript,
            [ClientKey(redis, org, clientId), ConnectionsKey(redis, org, clientId), HistoryKey(redis, org, clientId), Online],
            [connectionId, now, Compose(org, clientId), Compose(org, clientId, connectionId), InstanceIndexBase]);
        if (result.IsNull)
        {
            return null;
        }

        var client = Client(org, clientId, (RedisResult[])result!);
        return new ClientPresence(client, true, client.OnlineConnections == 0);
    }

    public async Task<IReadOnlyList<ClientRecord>> ListClientsAsync(string org, CancellationToken cancellationToken = default)
    {
        var ids = await Db.SortedSetRangeByRankAsync(redis.Key("clients-by-org:" + org));
        var clients = await Task.WhenAll(ids.Select(id => GetClientAsync(org, id!, cancellationToken)));
        return clients.OfType<ClientRecord>().ToList();
    }

    public async Task<ClientRecord?> GetClientAsync(string org, string clientId, CancellationToken cancellationToken = default)
    {
        var transaction = Db.CreateTransaction();
        var fields = transaction.HashGetAsync(ClientKey(redis, org, clientId), ["user", "first", "last", "count"]);
        var online = transaction.HashLengthAsync(ConnectionsKey(redis, org, clientId));
        await transaction.ExecuteAsync();
        var v = await fields;
        return v[0].IsNull ? null : new ClientRecord(org, clientId, v[0]!, Long(v[1]), Long(v[2]), (int)Long(v[3]), (int)await online);
    }

    public async Task<IReadOnlyList<ClientHistoryEntry>> GetHistoryAsync(string org, string clientId, int limit, CancellationToken cancellationToken = default)
    {
        if (limit == 0)
        {
            return [];
        }

        var entries = await Db.ListRangeAsync(HistoryKey(redis, org, clientId), limit < 0 ? 0 : -limit, -1);
        return entries.Select(e => Deserialize<ClientHistoryEntry>(e!)).ToList();
    }

    public async Task<IReadOnlyList<ClientRecord>> RemoveInstanceConnectionsAsync(string? instanceId, long now, CancellationToken cancellationToken = default)
    {
        var offline = new List<ClientRecord>();
        foreach (var instance in await InstancesAsync(Db, Instances, instanceId))
        {
            var index = redis.Key("instance-clients:" + instance);
            foreach (var entry in await Db.SetMembersAsync(index))
            {
                var parts = Decompose(entry!, 3);
                var (org, clientId, connectionId) = (parts[0], parts[1], parts[2]);
                var result = await Db.ScriptEvaluateAsync(RemoveScript,
                    [ClientKey(redis, org, clientId), ConnectionsKey(redis, org, clientId), HistoryKey(redis, org, clientId), Online, index],
                    [connectionId, instance, now, Compose(org, clientId), entry]);
                if (!result.IsNull)
                {
                    offline.Add(Client(org, clientId, (RedisResult[])result!));
                }
            }

            await Db.ScriptEvaluateAsync(ForgetInstanceScript, [Instances, index], [instance]);
        }

        return offline;
    }

    public async Task<PresenceCounts> CountAsync(CancellationToken cancellationToken = default)
    {
        var transaction = Db.CreateTransaction();
        var known = transaction.StringGetAsync(redis.Key("client-stats:known"));
        var online = transaction.SetLengthAsync(Online);
        await transaction.ExecuteAsync();
        var total = await known;
        return new PresenceCounts(total.IsNull ? 0 : Long(total), await online);
    }

    /// <summary>A client from a script's [user, first, last, count, online connections] reply.</summary>
    private static ClientRecord Client(string org, string clientId, RedisResult[] v) =>
        new(org, clientId, (string)v[0]!, Long((RedisValue)v[1]), Long((RedisValue)v[2]), (int)Long((RedisValue)v[3]), (int)(long)v[4]);
}
