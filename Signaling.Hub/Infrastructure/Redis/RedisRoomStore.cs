using System.Text.Json;
using Signaling.Contracts.Rooms;
using Signaling.Hub.Files;
using Signaling.Hub.Rooms;
using StackExchange.Redis;
using static Signaling.Hub.Infrastructure.Redis.RedisStore;

namespace Signaling.Hub.Infrastructure.Redis;

/// <summary>
/// Rooms and members in Redis. Key layout (under the configured prefix):
/// <c>room:{id}</c> hash (json, max, list = its org listing key, seen = latest member activity),
/// <c>room-members:{id}</c> hash peer → member JSON, <c>room-active:{id}</c> hash peer → instance
/// and <c>room-routes:{id}</c> hash peer → connection of each active member, <c>room-files:{id}</c> set, <c>file:{fileId}</c> JSON,
/// <c>rooms</c> set, <c>rooms-active</c> set, <c>rooms-idle</c> zset (rooms without an active
/// member by last activity), <c>rooms-deadline</c> zset, <c>rooms-by-org:{-|=org}</c> zset by
/// created_at, <c>room-stats:active-members</c> counter, <c>instance-rooms:{instance}</c> set of
/// rooms where the instance holds an active member, <c>instances:rooms</c> set of those instances.
/// </summary>
/// <remarks>
/// Every member change is decided in C# on the member JSON it read and written by one script that
/// applies it only if that JSON is still there (compare and set), keeping the indexes and counters
/// in step; a lost race is read again and retried. Capacity is checked inside the same script.
/// </remarks>
public sealed class RedisRoomStore(RedisConnection redis) : IRoomStore, IMemberStore, IFileRecords
{
    private const int Written = 1;
    private const int Conflict = 0;
    private const int RoomGone = -1;
    private const int Full = -2;

    private const string WriteMemberScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
        local current = redis.call('HGET', KEYS[2], ARGV[2]) or ''
        if current ~= ARGV[3] then return 0 end
        local old = redis.call('HGET', KEYS[3], ARGV[2])
        if ARGV[6] == '1' then
          local others = redis.call('HLEN', KEYS[3])
          if old then others = others - 1 end
          if others >= tonumber(redis.call('HGET', KEYS[1], 'max')) then return -2 end
        end
        redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
        if ARGV[5] ~= '' then
          redis.call('HSET', KEYS[3], ARGV[2], ARGV[5])
          redis.call('HSET', KEYS[10], ARGV[2], ARGV[11])
          redis.call('SADD', ARGV[8] .. ARGV[5], ARGV[1])
          redis.call('SADD', KEYS[7], ARGV[5])
        elseif old then
          redis.call('HDEL', KEYS[3], ARGV[2])
          redis.call('HDEL', KEYS[10], ARGV[2])
        end
        if old and old ~= ARGV[5] then
          local held = false
          for _, instance in ipairs(redis.call('HVALS', KEYS[3])) do
            if instance == old then held = true break end
          end
          if not held then redis.call('SREM', ARGV[8] .. old, ARGV[1]) end
        end
        local delta = (ARGV[5] ~= '' and 1 or 0) - (old and 1 or 0)
        if delta ~= 0 then redis.call('INCRBY', KEYS[6], delta) end
        local seen = redis.call('HGET', KEYS[1], 'seen')
        if not seen or tonumber(ARGV[7]) > tonumber(seen) then
          seen = ARGV[7]
          redis.call('HSET', KEYS[1], 'seen', seen)
        end
        if redis.call('HLEN', KEYS[3]) > 0 then
          redis.call('SADD', KEYS[4], ARGV[1])
          redis.call('ZREM', KEYS[5], ARGV[1])
        else
          redis.call('SREM', KEYS[4], ARGV[1])
          redis.call('ZADD', KEYS[5], seen, ARGV[1])
        end
        if ARGV[9] ~= '' then
          redis.call('SET', KEYS[9], ARGV[10])
          redis.call('SADD', KEYS[8], ARGV[9])
        end
        return 1
        """;

    private const string CreateRoomScript = """
        local existing = redis.call('HGET', KEYS[1], 'json')
        if existing then return existing end
        redis.call('HSET', KEYS[1], 'json', ARGV[2], 'max', ARGV[3], 'list', KEYS[3])
        redis.call('SADD', KEYS[2], ARGV[1])
        redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
        redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
        if ARGV[5] ~= '' then redis.call('ZADD', KEYS[5], ARGV[5], ARGV[1]) end
        return ARGV[2]
        """;

    // ARGV[4] and ARGV[5] (now, idle-before), when given, keep a room that is no longer expired.
    private const string DeleteRoomScript = """
        local list = redis.call('HGET', KEYS[1], 'list')
        if not list then return 0 end
        if ARGV[4] then
          local due = redis.call('ZSCORE', KEYS[8], ARGV[1])
          local idle = redis.call('ZSCORE', KEYS[7], ARGV[1])
          if not ((due and tonumber(due) <= tonumber(ARGV[4])) or (idle and tonumber(idle) <= tonumber(ARGV[5]))) then return 0 end
        end
        local instances = redis.call('HVALS', KEYS[3])
        for _, instance in ipairs(instances) do redis.call('SREM', ARGV[2] .. instance, ARGV[1]) end
        if #instances > 0 then redis.call('DECRBY', KEYS[9], #instances) end
        for _, file in ipairs(redis.call('SMEMBERS', KEYS[4])) do redis.call('DEL', ARGV[3] .. file) end
        redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[10])
        redis.call('ZREM', list, ARGV[1])
        redis.call('SREM', KEYS[5], ARGV[1])
        redis.call('SREM', KEYS[6], ARGV[1])
        redis.call('ZREM', KEYS[7], ARGV[1])
        redis.call('ZREM', KEYS[8], ARGV[1])
        return 1
        """;

    private IDatabase Db => redis.Database;

    private RedisKey RoomKey(string roomId) => redis.Key("room:" + roomId);

    private RedisKey MembersKey(string roomId) => redis.Key("room-members:" + roomId);

    private RedisKey ActiveKey(string roomId) => redis.Key("room-active:" + roomId);

    private RedisKey RoutesKey(string roomId) => redis.Key("room-routes:" + roomId);

    private RedisKey FilesKey(string roomId) => redis.Key("room-files:" + roomId);

    private RedisKey FileKey(string fileId) => redis.Key("file:" + fileId);

    private RedisKey OrgListKey(string? org) => redis.Key("rooms-by-org:" + (org is null ? "-" : "=" + org));

    private RedisKey AllRooms => redis.Key("rooms");

    private RedisKey ActiveRooms => redis.Key("rooms-active");

    private RedisKey IdleRooms => redis.Key("rooms-idle");

    private RedisKey Deadlines => redis.Key("rooms-deadline");

    private RedisKey ActiveMembers => redis.Key("room-stats:active-members");

    private RedisKey Instances => redis.Key("instances:rooms");

    private string InstanceIndexBase => redis.Key("instance-rooms:").ToString();

    public async Task<RoomRecord?> GetRoomAsync(string roomId, CancellationToken cancellationToken = default)
    {
        var json = await Db.HashGetAsync(RoomKey(roomId), "json");
        return json.IsNull ? null : Deserialize<RoomRecord>(json!);
    }

    public async Task<RoomRecord> GetOrCreateRoomAsync(RoomRecord room, CancellationToken cancellationToken = default)
    {
        var deadline = room.Settings.MaxDurationMinutes is { } minutes ? Text(room.CreatedAt + minutes * 60_000L) : "";
        var stored = await Db.ScriptEvaluateAsync(CreateRoomScript,
            [RoomKey(room.RoomId), AllRooms, OrgListKey(room.Org), IdleRooms, Deadlines],
            [room.RoomId, Serialize(room), room.MaxParticipants, room.CreatedAt, deadline]);
        return Deserialize<RoomRecord>((string)stored!);
    }

    public async Task<JoinOutcome> JoinAsync(JoinCommand command, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (room, raw, members) = await ReadRoomAsync(command.RoomId);
            if (room is null)
            {
                return NotFound(command.RoomId);
            }

            var previous = members.FirstOrDefault(m => m.PeerId == command.PeerId);
            if (members.Count(m => m.IsActive && m.PeerId != command.PeerId) >= room.MaxParticipants)
            {
                return new JoinOutcome(JoinStatus.RoomFull, room, null, previous is not null, null, members);
            }

            var member = new MemberRecord(
                command.RoomId, command.PeerId, command.DisplayName, true, command.Now, command.Now, command.MediaState,
                command.UserData ?? previous?.UserData ?? new Dictionary<string, JsonElement>(),
                command.ConnectionId, command.InstanceId, previous?.Files);
            raw.TryGetValue(command.PeerId, out var expected);
            var result = await WriteMemberAsync(member, expected, checkCapacity: true);
            if (result == RoomGone)
            {
                return NotFound(command.RoomId);
            }

            if (result == Written)
            {
                var replaced = previous is { IsActive: true } && previous.ConnectionId != command.ConnectionId ? previous.ConnectionId : null;
                var after = Ordered(members.Where(m => m.PeerId != command.PeerId).Append(member));
                return new JoinOutcome(JoinStatus.Joined, room, member, previous is not null, replaced, after);
            }

            // Conflict or full: another writer got there first; the fresh read decides again.
        }
    }

    public Task<MemberRecord?> LeaveAsync(string roomId, string peerId, string connectionId, long now, CancellationToken cancellationToken = default) =>
        ChangeMemberAsync(roomId, peerId, m => m.IsActive && m.ConnectionId == connectionId
            ? m with { IsActive = false, LastSeen = now, ConnectionId = null, InstanceId = null }
            : null);

    public Task<MemberRecord?> UpdateMemberAsync(
        string roomId, string peerId, string connectionId, MediaState? mediaState,
        IReadOnlyDictionary<string, JsonElement>? userData, long now, CancellationToken cancellationToken = default) =>
        ChangeMemberAsync(roomId, peerId, m => m.IsActive && m.ConnectionId == connectionId
            ? m with { MediaState = mediaState ?? m.MediaState, UserData = userData ?? m.UserData, LastSeen = now }
            : null);

    public Task<MemberRecord?> AddFileAsync(string roomId, string peerId, SharedFile file, CancellationToken cancellationToken = default) =>
        ChangeMemberAsync(roomId, peerId, m => m.IsActive ? m with { Files = [.. m.Files ?? [], file] } : null, file);

    public async Task<StoredFile?> GetFileAsync(string fileId, CancellationToken cancellationToken = default)
    {
        var json = await Db.StringGetAsync(FileKey(fileId));
        return json.IsNull ? null : Deserialize<StoredFile>(json!);
    }

    public async Task<MemberRecord?> GetMemberAsync(string roomId, string peerId, CancellationToken cancellationToken = default)
    {
        var json = await Db.HashGetAsync(MembersKey(roomId), peerId);
        return json.IsNull ? null : Deserialize<MemberRecord>(json!);
    }

    /// <summary>One short field read: the relay to a peer on another instance makes it for every message.</summary>
    public async Task<string?> FindConnectionAsync(string roomId, string peerId, CancellationToken cancellationToken = default)
    {
        var connection = await Db.HashGetAsync(RoutesKey(roomId), peerId);
        return connection.IsNull ? null : (string)connection!;
    }

    public async Task<IReadOnlyList<MemberRecord>> GetMembersAsync(string roomId, CancellationToken cancellationToken = default) =>
        Ordered((await Db.HashGetAllAsync(MembersKey(roomId))).Select(e => Deserialize<MemberRecord>(e.Value!)));

    public async Task<IReadOnlyList<MemberRecord>> DeactivateInstanceAsync(string? instanceId, long now, CancellationToken cancellationToken = default)
    {
        var deactivated = new System.Collections.Concurrent.ConcurrentBag<MemberRecord>();
        foreach (var instance in await InstancesAsync(Db, Instances, instanceId))
        {
            var index = redis.Key("instance-rooms:" + instance);
            // Rooms are independent, and one at a time an instance stopping with 10,000 members took
            // longer than its shutdown allows: many at once share the multiplexer's round trips.
            var rooms = await Db.SetMembersAsync(index);
            await Parallel.ForEachAsync(rooms, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (roomValue, _) =>
            {
                var roomId = (string)roomValue!;
                foreach (var held in await Db.HashGetAllAsync(ActiveKey(roomId)))
                {
                    if (held.Value != instance)
                    {
                        continue;
                    }

                    var member = await ChangeMemberAsync(roomId, held.Name!, m => m.IsActive && m.InstanceId == instance
                        ? m with { IsActive = false, LastSeen = now, ConnectionId = null, InstanceId = null }
                        : null);
                    if (member is not null)
                    {
                        deactivated.Add(member);
                    }
                }
            });

            await Db.ScriptEvaluateAsync(ForgetInstanceScript, [Instances, index], [instance]);
        }

        return [.. deactivated];
    }

    public async Task<(IReadOnlyList<RoomRecord> Items, int Total)> ListRoomsAsync(string? org, int offset, int limit, CancellationToken cancellationToken = default)
    {
        var list = OrgListKey(org);
        var start = Math.Max(0, offset);
        var transaction = Db.CreateTransaction();
        var idsTask = limit > 0 ? transaction.SortedSetRangeByRankAsync(list, start, start + limit - 1, Order.Descending) : Task.FromResult(Array.Empty<RedisValue>());
        var totalTask = transaction.SortedSetLengthAsync(list);
        await transaction.ExecuteAsync();
        var rooms = await Task.WhenAll((await idsTask).Select(id => GetRoomAsync(id!, cancellationToken)));
        // A room deleted between the two reads is simply left out.
        return (rooms.OfType<RoomRecord>().ToList(), (int)await totalTask);
    }

    public Task<bool> DeleteRoomAsync(string roomId, CancellationToken cancellationToken = default) =>
        DeleteAsync(roomId, [roomId, InstanceIndexBase, redis.Key("file:").ToString()]);

    public Task<bool> DeleteExpiredRoomAsync(string roomId, long idleBefore, long now, CancellationToken cancellationToken = default) =>
        DeleteAsync(roomId, [roomId, InstanceIndexBase, redis.Key("file:").ToString(), now, idleBefore]);

    private async Task<bool> DeleteAsync(string roomId, RedisValue[] arguments)
    {
        var deleted = await Db.ScriptEvaluateAsync(DeleteRoomScript,
            [RoomKey(roomId), MembersKey(roomId), ActiveKey(roomId), FilesKey(roomId), AllRooms, ActiveRooms, IdleRooms, Deadlines, ActiveMembers, RoutesKey(roomId)],
            arguments);
        return (long)deleted == 1;
    }

    public async Task<IReadOnlyList<RoomRecord>> FindExpiredRoomsAsync(long idleBefore, long now, CancellationToken cancellationToken = default)
    {
        var due = Db.SortedSetRangeByScoreAsync(Deadlines, double.NegativeInfinity, now);
        var idle = Db.SortedSetRangeByScoreAsync(IdleRooms, double.NegativeInfinity, idleBefore);
        var ids = (await due).Concat(await idle).Select(v => (string)v!).Distinct(StringComparer.Ordinal);
        var rooms = await Task.WhenAll(ids.Select(id => GetRoomAsync(id, cancellationToken)));
        return rooms.OfType<RoomRecord>().OrderBy(r => r.CreatedAt).ThenBy(r => r.RoomId, StringComparer.Ordinal).ToList();
    }

    public async Task<long?> NextDeadlineAsync(long idleFor, long after, CancellationToken cancellationToken = default)
    {
        var idle = Db.SortedSetRangeByScoreWithScoresAsync(IdleRooms, after - idleFor, double.PositiveInfinity, Exclude.Start, take: 1);
        var due = Db.SortedSetRangeByScoreWithScoresAsync(Deadlines, after, double.PositiveInfinity, Exclude.Start, take: 1);
        var next = (await idle).Select(e => (long)e.Score + idleFor).Concat((await due).Select(e => (long)e.Score));
        return next.Any() ? next.Min() : null;
    }

    public async Task<RoomCounts> CountAsync(CancellationToken cancellationToken = default)
    {
        var transaction = Db.CreateTransaction();
        var rooms = transaction.SetLengthAsync(AllRooms);
        var active = transaction.SetLengthAsync(ActiveRooms);
        var members = transaction.StringGetAsync(ActiveMembers);
        await transaction.ExecuteAsync();
        var activeMembers = await members;
        return new RoomCounts(await rooms, await active, activeMembers.IsNull ? 0 : Long(activeMembers));
    }

    /// <summary>
    /// Applies <paramref name="change"/> (null: nothing to do) to the member as stored, retrying
    /// when another writer changed the member in between.
    /// </summary>
    private async Task<MemberRecord?> ChangeMemberAsync(string roomId, string peerId, Func<MemberRecord, MemberRecord?> change, SharedFile? file = null)
    {
        while (true)
        {
            var json = await Db.HashGetAsync(MembersKey(roomId), peerId);
            if (json.IsNull)
            {
                return null;
            }

            var before = Deserialize<MemberRecord>(json!);
            var after = change(before);
            if (after is null)
            {
                return null;
            }

            var result = await WriteMemberAsync(after, json!, checkCapacity: false, file);
            if (result == Written)
            {
                return after;
            }

            if (result == RoomGone)
            {
                return null;
            }
        }
    }

    private async Task<int> WriteMemberAsync(MemberRecord member, string? expected, bool checkCapacity, SharedFile? file = null)
    {
        var roomId = member.RoomId;
        var fileKey = file is null ? RoomKey(roomId) : FileKey(file.FileId);
        var result = await Db.ScriptEvaluateAsync(WriteMemberScript,
            [RoomKey(roomId), MembersKey(roomId), ActiveKey(roomId), ActiveRooms, IdleRooms, ActiveMembers, Instances, FilesKey(roomId), fileKey, RoutesKey(roomId)],
            [
                roomId, member.PeerId, expected ?? "", Serialize(member), member.IsActive ? member.InstanceId ?? "" : "",
                checkCapacity ? "1" : "0", member.LastSeen, InstanceIndexBase,
                file?.FileId ?? "", file is null ? "" : Serialize(new StoredFile(file, roomId, member.PeerId)),
                member.IsActive ? member.ConnectionId ?? "" : "",
            ]);
        return (int)result;
    }

    private async Task<(RoomRecord? Room, Dictionary<string, string> Raw, IReadOnlyList<MemberRecord> Members)> ReadRoomAsync(string roomId)
    {
        var transaction = Db.CreateTransaction();
        var roomTask = transaction.HashGetAsync(RoomKey(roomId), "json");
        var membersTask = transaction.HashGetAllAsync(MembersKey(roomId));
        await transaction.ExecuteAsync();
        var json = await roomTask;
        if (json.IsNull)
        {
            return (null, [], []);
        }

        var raw = Hash(await membersTask);
        return (Deserialize<RoomRecord>(json!), raw, Ordered(raw.Values.Select(Deserialize<MemberRecord>)));
    }

    private static List<MemberRecord> Ordered(IEnumerable<MemberRecord> members) =>
        members.OrderBy(m => m.JoinedAt).ThenBy(m => m.PeerId, StringComparer.Ordinal).ToList();

    private static JoinOutcome NotFound(string roomId) =>
        new(JoinStatus.RoomNotFound, new RoomRecord(roomId, roomId, RoomType.Video, 0, new RoomSettings(), 0, "", null), null, false, null, []);
}
