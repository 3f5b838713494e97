using System.Text.Json;
using Microsoft.Data.Sqlite;
using Signaling.Contracts.Rooms;
using Signaling.Hub.Files;
using Signaling.Hub.Rooms;
using static Signaling.Hub.Infrastructure.Sqlite.SqliteDatabase;

namespace Signaling.Hub.Infrastructure.Sqlite;

public sealed class SqliteRoomStore(SqliteDatabase db) : IRoomStore, IMemberStore, IFileRecords
{
    private const string MemberColumns =
        "room_id, peer_id, display_name, is_active, joined_at, last_seen, audio, video, screen, user_data, connection_id, instance_id, files";

    public Task<RoomRecord?> GetRoomAsync(string roomId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => ReadRoom(c, null, roomId));

    public Task<RoomRecord> GetOrCreateRoomAsync(RoomRecord room, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, t) =>
        {
            Execute(c, """
                INSERT INTO rooms (room_id, name, type, max_participants, mute_on_entry, allow_recording, max_duration_minutes, created_at, created_by, org, creation_id)
                VALUES ($id, $name, $type, $max, $mute, $rec, $dur, $at, $by, $org, $creation) ON CONFLICT(room_id) DO NOTHING
                """, t,
                ("$id", room.RoomId), ("$name", room.Name), ("$type", room.Type.ToString()), ("$max", room.MaxParticipants),
                ("$mute", room.Settings.MuteOnEntry), ("$rec", room.Settings.AllowRecording), ("$dur", room.Settings.MaxDurationMinutes),
                ("$at", room.CreatedAt), ("$by", room.CreatedBy), ("$org", room.Org), ("$creation", room.CreationId));
            return ReadRoom(c, t, room.RoomId)!;
        }, cancellationToken);

    public Task<JoinOutcome> JoinAsync(JoinCommand command, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, t) =>
        {
            var room = ReadRoom(c, t, command.RoomId);
            if (room is null)
            {
                var missing = new RoomRecord(command.RoomId, command.RoomId, RoomType.Video, 0, new RoomSettings(), 0, "", null);
                return new JoinOutcome(JoinStatus.RoomNotFound, missing, null, false, null, []);
            }

            var members = ReadMembers(c, t, command.RoomId);
            var previous = members.FirstOrDefault(m => m.PeerId == command.PeerId);
            var othersActive = members.Count(m => m.IsActive && m.PeerId != command.PeerId);
            if (othersActive >= room.MaxParticipants)
            {
                return new JoinOutcome(JoinStatus.RoomFull, room, null, previous is not null, null, members);
            }

            var member = new MemberRecord(
                command.RoomId, command.PeerId, command.DisplayName, true, command.Now, command.Now, command.MediaState,
                command.UserData ?? previous?.UserData ?? new Dictionary<string, JsonElement>(),
                command.ConnectionId, command.InstanceId, previous?.Files);
            WriteMember(c, t, member);
            var replaced = previous is { IsActive: true } && previous.ConnectionId != command.ConnectionId ? previous.ConnectionId : null;
            var after = members.Where(m => m.PeerId != command.PeerId).Append(member).ToList();
            return new JoinOutcome(JoinStatus.Joined, room, member, previous is not null, replaced, after);
        }, cancellationToken);

    public Task<MemberRecord?> LeaveAsync(string roomId, string peerId, string connectionId, long now, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, t) =>
        {
            var changed = Execute(c, """
                UPDATE members SET is_active = 0, last_seen = $now, connection_id = NULL, instance_id = NULL
                WHERE room_id = $room AND peer_id = $peer AND is_active = 1 AND connection_id = $conn
                """, t, ("$now", now), ("$room", roomId), ("$peer", peerId), ("$conn", connectionId));
            return changed == 0 ? null : ReadMember(c, t, roomId, peerId);
        }, cancellationToken);

    public Task<MemberRecord?> UpdateMemberAsync(
        string roomId, string peerId, string connectionId, MediaState? mediaState,
        IReadOnlyDictionary<string, JsonElement>? userData, long now, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, t) =>
        {
            var member = ReadMember(c, t, roomId, peerId);
            if (member is not { IsActive: true } || member.ConnectionId != connectionId)
            {
                return null;
            }

            member = member with { MediaState = mediaState ?? member.MediaState, UserData = userData ?? member.UserData, LastSeen = now };
            WriteMember(c, t, member);
            return member;
        }, cancellationToken);

    public Task<MemberRecord?> AddFileAsync(string roomId, string peerId, SharedFile file, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, t) =>
        {
            var member = ReadMember(c, t, roomId, peerId);
            if (member is not { IsActive: true })
            {
                return null;
            }

            Execute(c, """
                INSERT INTO files (file_id, room_id, peer_id, file_name, content_type, size, uploaded_at, url)
                VALUES ($id, $room, $peer, $name, $type, $size, $at, $url)
                """, t, ("$id", file.FileId), ("$room", roomId), ("$peer", peerId), ("$name", file.FileName),
                ("$type", file.ContentType), ("$size", file.Size), ("$at", file.UploadedAt), ("$url", file.Url));
            member = member with { Files = [.. member.Files ?? [], file] };
            WriteMember(c, t, member);
            return member;
        }, cancellationToken);

    public Task<StoredFile?> GetFileAsync(string fileId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c =>
        {
            using var command = Command(c, """
                SELECT file_id, file_name, content_type, size, uploaded_at, url, room_id, peer_id FROM files WHERE file_id = $id
                """, null, ("$id", fileId));
            using var r = command.ExecuteReader();
            return r.Read()
                ? new StoredFile(new SharedFile(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.GetString(5)), r.GetString(6), r.GetString(7))
                : null;
        });

    public Task<MemberRecord?> GetMemberAsync(string roomId, string peerId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => ReadMember(c, null, roomId, peerId));

    public Task<IReadOnlyList<MemberRecord>> GetMembersAsync(string roomId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<MemberRecord>>(c => ReadMembers(c, null, roomId));

    public Task<IReadOnlyList<MemberRecord>> DeactivateInstanceAsync(string? instanceId, long now, CancellationToken cancellationToken = default) =>
        db.WriteAsync<IReadOnlyList<MemberRecord>>((c, t) =>
        {
            const string Filter = "is_active = 1 AND ($inst IS NULL OR instance_id = $inst)";
            var affected = ReadMembersWhere(c, t, Filter, ("$inst", instanceId));
            Execute(c, $"UPDATE members SET is_active = 0, last_seen = $now, connection_id = NULL, instance_id = NULL WHERE {Filter}",
                t, ("$now", now), ("$inst", instanceId));
            return affected.Select(m => m with { IsActive = false, LastSeen = now, ConnectionId = null, InstanceId = null }).ToList();
        }, cancellationToken);

    public Task<(IReadOnlyList<RoomRecord> Items, int Total)> ListRoomsAsync(string? org, int offset, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<(IReadOnlyList<RoomRecord>, int)>(c =>
        {
            const string SameOrg = "(org = $org OR (org IS NULL AND $org IS NULL))";
            using var count = Command(c, $"SELECT COUNT(*) FROM rooms WHERE {SameOrg}", null, ("$org", org));
            var total = Convert.ToInt32(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            var items = ReadRooms(c, null, $"{SameOrg} ORDER BY created_at DESC, room_id DESC LIMIT $limit OFFSET $offset",
                ("$org", org), ("$limit", limit), ("$offset", offset));
            return (items, total);
        });

    public Task<bool> DeleteRoomAsync(string roomId, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, t) => Execute(c, "DELETE FROM rooms WHERE room_id = $id", t, ("$id", roomId)) > 0, cancellationToken);

    public Task<bool> DeleteExpiredRoomAsync(string roomId, long idleBefore, long now, CancellationToken cancellationToken = default) =>
        db.WriteAsync(
            (c, t) => Execute(c, $"DELETE FROM rooms WHERE room_id = $id AND ({Expired})", t, ("$id", roomId), ("$now", now), ("$idle", idleBefore)) > 0,
            cancellationToken);

    public Task<IReadOnlyList<RoomRecord>> FindExpiredRoomsAsync(long idleBefore, long now, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<RoomRecord>>(c => ReadRooms(c, null, Expired, ("$now", now), ("$idle", idleBefore)));

    /// <summary>Past its maximum duration at <c>$now</c>, or without an active member since <c>$idle</c>.</summary>
    private const string Expired = """
        (max_duration_minutes IS NOT NULL AND created_at + max_duration_minutes * 60000 <= $now)
        OR (NOT EXISTS (SELECT 1 FROM members m WHERE m.room_id = rooms.room_id AND m.is_active = 1)
            AND COALESCE((SELECT MAX(m.last_seen) FROM members m WHERE m.room_id = rooms.room_id), created_at) <= $idle)
        """;

    public Task<long?> NextDeadlineAsync(long idleFor, long after, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c =>
        {
            using var command = Command(c, """
                SELECT MIN(deadline) FROM (
                    SELECT created_at + max_duration_minutes * 60000 AS deadline FROM rooms WHERE max_duration_minutes IS NOT NULL
                    UNION ALL
                    SELECT COALESCE((SELECT MAX(m.last_seen) FROM members m WHERE m.room_id = rooms.room_id), created_at) + $idle FROM rooms
                    WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.room_id = rooms.room_id AND m.is_active = 1))
                WHERE deadline > $after
                """, null, ("$idle", idleFor), ("$after", after));
            return command.ExecuteScalar() is long next ? next : (long?)null;
        });

    private static RoomRecord? ReadRoom(SqliteConnection c, SqliteTransaction? t, string roomId) =>
        ReadRooms(c, t, "room_id = $id", ("$id", roomId)).FirstOrDefault();

    private static List<RoomRecord> ReadRooms(SqliteConnection c, SqliteTransaction? t, string where, params (string, object?)[] parameters)
    {
        using var command = Command(c, $"""
            SELECT room_id, name, type, max_participants, mute_on_entry, allow_recording, max_duration_minutes, created_at, created_by, org, creation_id
            FROM rooms WHERE {where}
            """, t, parameters);
        using var r = command.ExecuteReader();
        var rooms = new List<RoomRecord>();
        while (r.Read())
        {
            rooms.Add(new RoomRecord(
                r.GetString(0), r.GetString(1), Enum.Parse<RoomType>(r.GetString(2)), r.GetInt32(3),
                new RoomSettings(r.GetBoolean(4), r.GetBoolean(5), r.IsDBNull(6) ? null : r.GetInt32(6)),
                r.GetInt64(7), r.GetString(8), r.IsDBNull(9) ? null : r.GetString(9), r.IsDBNull(10) ? null : r.GetString(10)));
        }

        return rooms;
    }

    private static MemberRecord? ReadMember(SqliteConnection c, SqliteTransaction? t, string roomId, string peerId) =>
        ReadMembersWhere(c, t, "room_id = $room AND peer_id = $peer", ("$room", roomId), ("$peer", peerId)).FirstOrDefault();

    private static List<MemberRecord> ReadMembers(SqliteConnection c, SqliteTransaction? t, string roomId) =>
        ReadMembersWhere(c, t, "room_id = $room ORDER BY joined_at, peer_id", ("$room", roomId));

    private static List<MemberRecord> ReadMembersWhere(SqliteConnection c, SqliteTransaction? t, string where, params (string, object?)[] parameters)
    {
        using var command = Command(c, $"SELECT {MemberColumns} FROM members WHERE {where}", t, parameters);
        using var r = command.ExecuteReader();
        var list = new List<MemberRecord>();
        while (r.Read())
        {
            list.Add(new MemberRecord(
                r.GetString(0), r.GetString(1), r.GetString(2), r.GetBoolean(3), r.GetInt64(4), r.GetInt64(5),
                new MediaState(r.GetBoolean(6), r.GetBoolean(7), r.GetBoolean(8)),
                JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(r.GetString(9)) ?? [],
                r.IsDBNull(10) ? null : r.GetString(10), r.IsDBNull(11) ? null : r.GetString(11),
                JsonSerializer.Deserialize<List<SharedFile>>(r.GetString(12))));
        }

        return list;
    }

    private static void WriteMember(SqliteConnection c, SqliteTransaction t, MemberRecord m) =>
        Execute(c, $"""
            INSERT INTO members ({MemberColumns}) VALUES ($room, $peer, $name, $active, $joined, $seen, $a, $v, $s, $data, $conn, $inst, $files)
            ON CONFLICT(room_id, peer_id) DO UPDATE SET display_name = excluded.display_name, is_active = excluded.is_active,
                joined_at = excluded.joined_at, last_seen = excluded.last_seen, audio = excluded.audio, video = excluded.video,
                screen = excluded.screen, user_data = excluded.user_data, connection_id = excluded.connection_id, instance_id = excluded.instance_id, files = excluded.files
            """, t,
            ("$room", m.RoomId), ("$peer", m.PeerId), ("$name", m.DisplayName), ("$active", m.IsActive), ("$joined", m.JoinedAt),
            ("$seen", m.LastSeen), ("$a", m.MediaState.Audio), ("$v", m.MediaState.Video), ("$s", m.MediaState.Screen),
            ("$data", JsonSerializer.Serialize(m.UserData)), ("$conn", m.ConnectionId), ("$inst", m.InstanceId),
            ("$files", JsonSerializer.Serialize(m.Files ?? [])));

    public Task<RoomCounts> CountAsync(CancellationToken cancellationToken = default) =>
        db.ReadAsync(c =>
        {
            var v = ReadLongs(c, """
                SELECT (SELECT COUNT(*) FROM rooms),
                       (SELECT COUNT(DISTINCT room_id) FROM members WHERE is_active = 1),
                       (SELECT COUNT(*) FROM members WHERE is_active = 1)
                """);
            return new RoomCounts(v[0], v[1], v[2]);
        });
}
