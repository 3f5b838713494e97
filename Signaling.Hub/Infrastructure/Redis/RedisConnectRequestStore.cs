using System.Text.Json;
using Signaling.Contracts.Admin;
using Signaling.Hub.Admin;
using StackExchange.Redis;
using static Signaling.Hub.Infrastructure.Redis.RedisStore;

namespace Signaling.Hub.Infrastructure.Redis;

/// <summary>
/// Connect requests in Redis. <c>request:{id}</c> hash: base (the record's JSON as created),
/// the fields that change (status, queued, answer, reason, answeredAt, each answer/reason
/// prefixed with '=' so an absent value differs from an empty one), the fields scripts test
/// (org, client, admin, expires) and the names of the keys that index it (queue, member,
/// history, counts, list). <c>request-queue:{Compose(org, client)}</c> zset of the client's
/// queued requests; <c>request-by-org:{org}</c> zset by created_at; <c>request-queued:{org}</c>
/// hash client → queued count; <c>requests-live</c> zset of queued and delivered requests by
/// expiry; <c>request-stats</c> hash (delivered, queued, total); <c>request-seq</c> counter.
/// Index members are "{20-digit sequence}:{id}", so equal scores keep creation order.
/// Every state transition is one script that checks the state it leaves.
/// </summary>
public sealed class RedisConnectRequestStore(RedisConnection redis) : IConnectRequestStore
{
    private const string ExpiredReason = "time to live ran out";

    /// <summary>Characters before the id in an index member: 20 digits and a colon.</summary>
    private const int MemberPrefix = 21;

    /// <summary>Takes a live request out of the queued or delivered figures (and its queue).</summary>
    private const string LuaSettle = """
        local function settle(key, stats)
          local r = redis.call('HMGET', key, 'status', 'queue', 'member', 'counts', 'client')
          if r[1] == 'Queued' then
            redis.call('ZREM', r[2], r[3])
            if redis.call('HINCRBY', r[4], r[5], -1) <= 0 then redis.call('HDEL', r[4], r[5]) end
            redis.call('HINCRBY', stats, 'queued', -1)
          else
            redis.call('HINCRBY', stats, 'delivered', -1)
          end
        end

        """;

    private const string CreateScript = RedisStore.LuaHistory + """
        if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('connect request ' .. ARGV[1] .. ' exists') end
        local online = redis.call('HLEN', KEYS[2]) > 0
        if not online and redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[3]) then return {0} end
        local member = string.format('%020d', redis.call('INCR', KEYS[7])) .. ':' .. ARGV[1]
        redis.call('HSET', KEYS[1], 'base', ARGV[2], 'status', online and 'Delivered' or 'Queued', 'queued', online and '0' or '1',
          'org', ARGV[7], 'client', ARGV[8], 'admin', ARGV[9], 'expires', ARGV[6],
          'member', member, 'queue', KEYS[3], 'history', KEYS[4], 'counts', KEYS[6], 'list', KEYS[8])
        redis.call('ZADD', KEYS[8], ARGV[5], member)
        redis.call('ZADD', KEYS[9], ARGV[6], ARGV[1])
        redis.call('HINCRBY', KEYS[5], 'total', 1)
        if online then
          redis.call('HINCRBY', KEYS[5], 'delivered', 1)
          history(KEYS[4], 'request_delivered', ARGV[5], ARGV[1])
          return {1}
        end
        redis.call('HINCRBY', KEYS[5], 'queued', 1)
        redis.call('ZADD', KEYS[3], ARGV[4], member)
        redis.call('HINCRBY', KEYS[6], ARGV[8], 1)
        history(KEYS[4], 'request_queued', ARGV[5], ARGV[1])
        return {2, redis.call('ZRANK', KEYS[3], member) + 1}
        """;

    private const string ClaimScript = RedisStore.LuaHistory + """
        local claimed = {}
        for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
          local id = string.sub(member, 22)
          local key = ARGV[2] .. id
          if tonumber(redis.call('HGET', key, 'expires')) > tonumber(ARGV[1]) then
            redis.call('HSET', key, 'status', 'Delivered')
            redis.call('ZREM', KEYS[1], member)
            history(KEYS[2], 'request_delivered', ARGV[1], id)
            claimed[#claimed + 1] = redis.call('HGETALL', key)
          end
        end
        if #claimed > 0 then
          redis.call('HINCRBY', KEYS[3], 'queued', -#claimed)
          redis.call('HINCRBY', KEYS[3], 'delivered', #claimed)
          if redis.call('HINCRBY', KEYS[4], ARGV[3], -#claimed) <= 0 then redis.call('HDEL', KEYS[4], ARGV[3]) end
        end
        return claimed
        """;

    private const string RespondScript = RedisStore.LuaHistory + LuaSettle + """
        local r = redis.call('HMGET', KEYS[1], 'org', 'client', 'status', 'expires', 'history')
        if r[1] ~= ARGV[1] or r[2] ~= ARGV[2] or r[3] ~= 'Delivered' or tonumber(r[4]) <= tonumber(ARGV[3]) then return false end
        settle(KEYS[1], KEYS[2])
        redis.call('HSET', KEYS[1], 'status', ARGV[4], 'answer', ARGV[5], 'reason', ARGV[6], 'answeredAt', ARGV[3])
        redis.call('ZREM', KEYS[3], ARGV[7])
        local reason = nil
        if ARGV[6] ~= '' then reason = string.sub(ARGV[6], 2) end
        history(r[5], ARGV[8], ARGV[3], ARGV[7], reason)
        return redis.call('HGETALL', KEYS[1])
        """;

    private const string CancelScript = RedisStore.LuaHistory + LuaSettle + """
        local r = redis.call('HMGET', KEYS[1], 'org', 'admin', 'status', 'history')
        if r[1] ~= ARGV[1] or r[2] ~= ARGV[2] or (r[3] ~= 'Queued' and r[3] ~= 'Delivered') then return false end
        settle(KEYS[1], KEYS[2])
        redis.call('HSET', KEYS[1], 'status', 'Cancelled', 'answer', '', 'reason', '', 'answeredAt', ARGV[3])
        redis.call('ZREM', KEYS[3], ARGV[4])
        history(r[4], 'request_cancelled', ARGV[3], ARGV[4])
        return redis.call('HGETALL', KEYS[1])
        """;

    private const string ExpireScript = RedisStore.LuaHistory + LuaSettle + """
        local expired = {}
        for i = 4, #ARGV do
          local id = ARGV[i]
          local key = ARGV[2] .. id
          local r = redis.call('HMGET', key, 'status', 'expires', 'history')
          if r[1] == 'Queued' or r[1] == 'Delivered' then
            if tonumber(r[2]) <= tonumber(ARGV[1]) then
              settle(key, KEYS[1])
              redis.call('HSET', key, 'status', 'Expired', 'answer', '', 'reason', '=' .. ARGV[3], 'answeredAt', ARGV[1])
              redis.call('ZREM', KEYS[2], id)
              history(r[3], 'request_expired', ARGV[1], id)
              expired[#expired + 1] = redis.call('HGETALL', key)
            end
          else
            redis.call('ZREM', KEYS[2], id)
          end
        end
        return expired
        """;

    private IDatabase Db => redis.Database;

    private RedisKey RequestKey(string requestId) => redis.Key("request:" + requestId);

    private RedisKey QueueKey(string org, string clientId) => redis.Key("request-queue:" + Compose(org, clientId));

    private RedisKey OrgListKey(string org) => redis.Key("request-by-org:" + org);

    private RedisKey QueuedCountsKey(string org) => redis.Key("request-queued:" + org);

    private RedisKey Live => redis.Key("requests-live");

    private RedisKey Stats => redis.Key("request-stats");

    public async Task<CreateRequestOutcome> CreateAsync(ConnectRequestRecord request, int maxQueued, CancellationToken cancellationToken = default)
    {
        var (org, clientId) = (request.Org, request.ClientId);
        // Highest priority first, then oldest: the score stays exact as a double for any
        // timestamp below 2^44 ms (year 2527).
        var score = (3L - (int)request.Priority) * (1L << 44) + request.CreatedAt;
        var r = (RedisResult[])(await Db.ScriptEvaluateAsync(CreateScript,
            [RequestKey(request.RequestId), RedisClientStore.ConnectionsKey(redis, org, clientId), QueueKey(org, clientId),
             RedisClientStore.HistoryKey(redis, org, clientId), Stats, QueuedCountsKey(org), redis.Key("request-seq"), OrgListKey(org), Live],
            [request.RequestId, Serialize(request), maxQueued, score, request.CreatedAt, request.ExpiresAt, org, clientId, request.AdminId]))!;
        return (long)r[0] switch
        {
            0 => new CreateRequestOutcome(request, CreateRequestStatus.QueueFull, null),
            1 => new CreateRequestOutcome(request with { Status = ConnectRequestStatus.Delivered, WasQueued = false }, CreateRequestStatus.Sent, null),
            _ => new CreateRequestOutcome(request with { Status = ConnectRequestStatus.Queued, WasQueued = true }, CreateRequestStatus.Queued, (int)(long)r[1]),
        };
    }

    public async Task<IReadOnlyList<ConnectRequestRecord>> ClaimQueuedAsync(string org, string clientId, long now, CancellationToken cancellationToken = default)
    {
        var claimed = (RedisResult[])(await Db.ScriptEvaluateAsync(ClaimScript,
            [QueueKey(org, clientId), RedisClientStore.HistoryKey(redis, org, clientId), Stats, QueuedCountsKey(org)],
            [now, redis.Key("request:").ToString(), clientId]))!;
        return claimed.Select(h => Record(Hash(h))).ToList();
    }

    public async Task<ConnectRequestRecord?> RespondAsync(string org, string clientId, string requestId, bool accepted, JsonElement? answerData, string? reason, long now, CancellationToken cancellationToken = default)
    {
        var result = await Db.ScriptEvaluateAsync(RespondScript,
            [RequestKey(requestId), Stats, Live],
            [
                org, clientId, now, accepted ? nameof(ConnectRequestStatus.Accepted) : nameof(ConnectRequestStatus.Declined),
                answerData is { } answer ? "=" + answer.GetRawText() : "", reason is null ? "" : "=" + reason, requestId,
                accepted ? "request_accepted" : "request_declined",
            ]);
        return result.IsNull ? null : Record(Hash(result));
    }

    public async Task<ConnectRequestRecord?> CancelAsync(string org, string adminId, string requestId, long now, CancellationToken cancellationToken = default)
    {
        var result = await Db.ScriptEvaluateAsync(CancelScript, [RequestKey(requestId), Stats, Live], [org, adminId, now, requestId]);
        return result.IsNull ? null : Record(Hash(result));
    }

    public async Task<IReadOnlyList<ConnectRequestRecord>> ExpireAsync(long now, CancellationToken cancellationToken = default)
    {
        var due = await Db.SortedSetRangeByScoreAsync(Live, double.NegativeInfinity, now);
        // In slices, so a large backlog does not hold Redis in one long script.
        var settled = new List<ConnectRequestRecord>();
        foreach (var slice in due.Chunk(256))
        {
            var expired = (RedisResult[])(await Db.ScriptEvaluateAsync(ExpireScript, [Stats, Live],
                [now, redis.Key("request:").ToString(), ExpiredReason, .. slice]))!;
            settled.AddRange(expired.Select(h => Record(Hash(h))));
        }

        return settled;
    }

    public async Task<long?> NextExpiryAsync(long after, CancellationToken cancellationToken = default)
    {
        var next = await Db.SortedSetRangeByScoreWithScoresAsync(Live, after, double.PositiveInfinity, Exclude.Start, take: 1);
        return next.Length == 0 ? null : (long)next[0].Score;
    }

    public async Task<IReadOnlyList<ConnectRequestRecord>> ListAsync(string org, int limit, CancellationToken cancellationToken = default)
    {
        if (limit <= 0)
        {
            return [];
        }

        var members = await Db.SortedSetRangeByRankAsync(OrgListKey(org), 0, limit - 1, Order.Descending);
        var hashes = await Task.WhenAll(members.Select(m => Db.HashGetAllAsync(RequestKey(((string)m!)[MemberPrefix..]))));
        return hashes.Where(h => h.Length > 0).Select(h => Record(Hash(h))).ToList();
    }

    public async Task<IReadOnlyDictionary<string, int>> QueuedCountsAsync(string org, CancellationToken cancellationToken = default) =>
        (await Db.HashGetAllAsync(QueuedCountsKey(org))).ToDictionary(e => (string)e.Name!, e => (int)Long(e.Value), StringComparer.Ordinal);

    public async Task<RequestCounts> CountAsync(CancellationToken cancellationToken = default)
    {
        var v = await Db.HashGetAsync(Stats, ["delivered", "queued", "total"]);
        return new RequestCounts(Number(v[0]), Number(v[1]), Number(v[2]));
    }

    private static long Number(RedisValue value) => value.IsNull ? 0 : Long(value);

    private static ConnectRequestRecord Record(Dictionary<string, string> h) =>
        Deserialize<ConnectRequestRecord>(h["base"]) with
        {
            Status = Enum.Parse<ConnectRequestStatus>(h["status"]),
            WasQueued = h["queued"] == "1",
            AnswerData = h.TryGetValue("answer", out var answer) && answer.Length > 0 ? ParseElement(answer[1..]) : null,
            Reason = h.TryGetValue("reason", out var reason) && reason.Length > 0 ? reason[1..] : null,
            AnsweredAt = h.TryGetValue("answeredAt", out var at) ? long.Parse(at, System.Globalization.CultureInfo.InvariantCulture) : null,
        };
}
