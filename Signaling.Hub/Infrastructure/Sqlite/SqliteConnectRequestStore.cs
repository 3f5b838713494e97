using System.Text.Json;
using Microsoft.Data.Sqlite;
using Signaling.Contracts.Admin;
using Signaling.Hub.Admin;
using static Signaling.Hub.Infrastructure.Sqlite.SqliteDatabase;

namespace Signaling.Hub.Infrastructure.Sqlite;

public sealed class SqliteConnectRequestStore(SqliteDatabase db) : IConnectRequestStore
{
    private const string Columns =
        "request_id, org, client_id, admin_id, admin_name, offer_data, priority, created_at, expires_at, status, was_queued, answer_data, reason, answered_at";

    /// <summary>Delivery order: highest priority first, then oldest (rowid breaks ties within a millisecond).</summary>
    private const string QueueOrder = "priority DESC, created_at, rowid";

    public Task<CreateRequestOutcome> CreateAsync(ConnectRequestRecord request, int maxQueued, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, t) =>
        {
            using var online = Command(c, "SELECT COUNT(*) FROM client_connections WHERE org = $org AND client_id = $id", t, ("$org", request.Org), ("$id", request.ClientId));
            var isOnline = Convert.ToInt64(online.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
            if (!isOnline && QueueLength(c, t, request.Org, request.ClientId) >= maxQueued)
            {
                return new CreateRequestOutcome(request, CreateRequestStatus.QueueFull, null);
            }

            var stored = request with { Status = isOnline ? ConnectRequestStatus.Delivered : ConnectRequestStatus.Queued, WasQueued = !isOnline };
            Execute(c, $"""
                INSERT INTO connect_requests ({Columns})
                VALUES ($id, $org, $client, $admin, $adminName, $offer, $priority, $created, $expires, $status, $queued, NULL, NULL, NULL)
                """, t, ("$id", stored.RequestId), ("$org", stored.Org), ("$client", stored.ClientId), ("$admin", stored.AdminId),
                ("$adminName", stored.AdminName), ("$offer", stored.OfferData.GetRawText()), ("$priority", (int)stored.Priority),
                ("$created", stored.CreatedAt), ("$expires", stored.ExpiresAt), ("$status", stored.Status.ToString()), ("$queued", stored.WasQueued));
            SqliteClientStore.History(c, t, stored.Org, stored.ClientId,
                isOnline ? ClientHistoryEventType.RequestDelivered : ClientHistoryEventType.RequestQueued, stored.CreatedAt, stored.RequestId);
            if (isOnline)
            {
                return new CreateRequestOutcome(stored, CreateRequestStatus.Sent, null);
            }

            var queued = ReadWhere(c, t, $"org = $org AND client_id = $id AND status = 'Queued' ORDER BY {QueueOrder}", ("$org", stored.Org), ("$id", stored.ClientId));
            return new CreateRequestOutcome(stored, CreateRequestStatus.Queued, queued.FindIndex(r => r.RequestId == stored.RequestId) + 1);
        }, cancellationToken);

    public Task<IReadOnlyList<ConnectRequestRecord>> ClaimQueuedAsync(string org, string clientId, long now, CancellationToken cancellationToken = default) =>
        db.WriteAsync<IReadOnlyList<ConnectRequestRecord>>((c, t) =>
        {
            var claimed = ReadWhere(c, t, $"org = $org AND client_id = $id AND status = 'Queued' AND expires_at > $now ORDER BY {QueueOrder}",
                ("$org", org), ("$id", clientId), ("$now", now));
            foreach (var request in claimed)
            {
                SetStatus(c, t, request.RequestId, ConnectRequestStatus.Delivered, null, null, null);
                SqliteClientStore.History(c, t, org, clientId, ClientHistoryEventType.RequestDelivered, now, request.RequestId);
            }

            return claimed.Select(r => r with { Status = ConnectRequestStatus.Delivered }).ToList();
        }, cancellationToken);

    public Task<ConnectRequestRecord?> RespondAsync(string org, string clientId, string requestId, bool accepted, JsonElement? answerData, string? reason, long now, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, t) =>
        {
            var request = ReadWhere(c, t, "request_id = $id AND org = $org AND client_id = $client AND status = 'Delivered' AND expires_at > $now",
                ("$id", requestId), ("$org", org), ("$client", clientId), ("$now", now)).FirstOrDefault();
            if (request is null)
            {
                return null;
            }

            var status = accepted ? ConnectRequestStatus.Accepted : ConnectRequestStatus.Declined;
            SetStatus(c, t, requestId, status, answerData, reason, now);
            SqliteClientStore.History(c, t, org, clientId,
                accepted ? ClientHistoryEventType.RequestAccepted : ClientHistoryEventType.RequestDeclined, now, requestId, reason);
            return request with { Status = status, AnswerData = answerData, Reason = reason, AnsweredAt = now };
        }, cancellationToken);

    public Task<ConnectRequestRecord?> CancelAsync(string org, string adminId, string requestId, long now, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, t) =>
        {
            var request = ReadWhere(c, t, "request_id = $id AND org = $org AND admin_id = $admin AND status IN ('Queued', 'Delivered')",
                ("$id", requestId), ("$org", org), ("$admin", adminId)).FirstOrDefault();
            if (request is null)
            {
                return null;
            }

            SetStatus(c, t, requestId, ConnectRequestStatus.Cancelled, null, null, now);
            SqliteClientStore.History(c, t, org, request.ClientId, ClientHistoryEventType.RequestCancelled, now, requestId);
            return request with { Status = ConnectRequestStatus.Cancelled, AnsweredAt = now };
        }, cancellationToken);

    public Task<IReadOnlyList<ConnectRequestRecord>> ExpireAsync(long now, CancellationToken cancellationToken = default) =>
        db.WriteAsync<IReadOnlyList<ConnectRequestRecord>>((c, t) =>
        {
            var expired = ReadWhere(c, t, "status IN ('Queued', 'Delivered') AND expires_at <= $now", ("$now", now));
            foreach (var request in expired)
            {
                SetStatus(c, t, request.RequestId, ConnectRequestStatus.Expired, null, "time to live ran out", now);
                SqliteClientStore.History(c, t, request.Org, request.ClientId, ClientHistoryEventType.RequestExpired, now, request.RequestId);
            }

            return expired.Select(r => r with { Status = ConnectRequestStatus.Expired, Reason = "time to live ran out", AnsweredAt = now }).ToList();
        }, cancellationToken);

    public Task<long?> NextExpiryAsync(long after, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c =>
        {
            using var command = Command(c, "SELECT MIN(expires_at) FROM connect_requests WHERE status IN ('Queued', 'Delivered') AND expires_at > $after", null, ("$after", after));
            return command.ExecuteScalar() is long next ? next : (long?)null;
        });

    public Task<IReadOnlyList<ConnectRequestRecord>> ListAsync(string org, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<ConnectRequestRecord>>(c => ReadWhere(c, null, "org = $org ORDER BY created_at DESC, rowid DESC LIMIT $limit", ("$org", org), ("$limit", limit)));

    public Task<IReadOnlyDictionary<string, int>> QueuedCountsAsync(string org, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyDictionary<string, int>>(c =>
        {
            using var command = Command(c, "SELECT client_id, COUNT(*) FROM connect_requests WHERE org = $org AND status = 'Queued' GROUP BY client_id", null, ("$org", org));
            using var r = command.ExecuteReader();
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            while (r.Read())
            {
                counts[r.GetString(0)] = r.GetInt32(1);
            }

            return counts;
        });

    private static long QueueLength(SqliteConnection c, SqliteTransaction t, string org, string clientId)
    {
        using var command = Command(c, "SELECT COUNT(*) FROM connect_requests WHERE org = $org AND client_id = $id AND status = 'Queued'", t, ("$org", org), ("$id", clientId));
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void SetStatus(SqliteConnection c, SqliteTransaction t, string requestId, ConnectRequestStatus status, JsonElement? answer, string? reason, long? answeredAt) =>
        Execute(c, "UPDATE connect_requests SET status = $status, answer_data = $answer, reason = $reason, answered_at = COALESCE($at, answered_at) WHERE request_id = $id",
            t, ("$status", status.ToString()), ("$answer", answer?.GetRawText()), ("$reason", reason), ("$at", answeredAt), ("$id", requestId));

    private static List<ConnectRequestRecord> ReadWhere(SqliteConnection c, SqliteTransaction? t, string where, params (string, object?)[] parameters)
    {
        using var command = Command(c, $"SELECT {Columns} FROM connect_requests WHERE {where}", t, parameters);
        using var r = command.ExecuteReader();
        var list = new List<ConnectRequestRecord>();
        while (r.Read())
        {
            list.Add(new ConnectRequestRecord(
                r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), Json(r.GetString(5)),
                (ConnectPriority)r.GetInt32(6), r.GetInt64(7), r.GetInt64(8), Enum.Parse<ConnectRequestStatus>(r.GetString(9)), r.GetBoolean(10),
                r.IsDBNull(11) ? null : Json(r.GetString(11)), r.IsDBNull(12) ? null : r.GetString(12), r.IsDBNull(13) ? null : r.GetInt64(13)));
        }

        return list;
    }

    private static JsonElement Json(string raw)
    {
        using var document = JsonDocument.Parse(raw);
        return document.RootElement.Clone();
    }

    public Task<RequestCounts> CountAsync(CancellationToken cancellationToken = default) =>
        db.ReadAsync(c =>
        {
            var v = ReadLongs(c, """
                SELECT COUNT(*) FILTER (WHERE status = 'Delivered'), COUNT(*) FILTER (WHERE status = 'Queued'), COUNT(*) FROM connect_requests
                """);
            return new RequestCounts(v[0], v[1], v[2]);
        });
}
