using System.Text.Json;
using Signaling.Contracts.Admin;
using Signaling.Hub.Admin;
using static Signaling.Hub.Infrastructure.Sqlite.SqliteDatabase;

namespace Signaling.Hub.Infrastructure.Sqlite;

public sealed class SqliteAdminInboxStore(SqliteDatabase db) : IAdminInboxStore
{
    /// <summary>An admin away for long keeps the most recent notifications only.</summary>
    private const int MaxKept = 1000;

    public Task AdminConnectedAsync(string org, string adminId, string connectionId, string instanceId, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, t) =>
        {
            Execute(c, "INSERT OR IGNORE INTO admins (org, admin_id) VALUES ($org, $id)", t, ("$org", org), ("$id", adminId));
            return Execute(c, "INSERT OR REPLACE INTO admin_connections (org, admin_id, connection_id, instance_id) VALUES ($org, $id, $conn, $inst)",
                t, ("$org", org), ("$id", adminId), ("$conn", connectionId), ("$inst", instanceId));
        }, cancellationToken);

    public Task AdminDisconnectedAsync(string org, string adminId, string connectionId, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, t) => Execute(c, "DELETE FROM admin_connections WHERE org = $org AND admin_id = $id AND connection_id = $conn",
            t, ("$org", org), ("$id", adminId), ("$conn", connectionId)), cancellationToken);

    public Task KeepForAbsentAsync(string org, string? adminId, Notification notification, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, t) =>
        {
            Execute(c, """
                INSERT INTO admin_notifications (org, admin_id, at, body)
                SELECT a.org, a.admin_id, $at, $body FROM admins a
                WHERE a.org = $org AND ($admin IS NULL OR a.admin_id = $admin)
                  AND NOT EXISTS (SELECT 1 FROM admin_connections ac WHERE ac.org = a.org AND ac.admin_id = a.admin_id)
                """, t, ("$org", org), ("$admin", adminId), ("$at", notification.At), ("$body", JsonSerializer.Serialize(notification)));
            // One ranking pass over the org's notifications: a per-row correlated subquery made
            // every kept notification cost time proportional to the square of a full inbox.
            return Execute(c, """
                DELETE FROM admin_notifications WHERE seq IN (
                    SELECT seq FROM (
                        SELECT seq, ROW_NUMBER() OVER (PARTITION BY admin_id ORDER BY seq DESC) AS newer
                        FROM admin_notifications WHERE org = $org)
                    WHERE newer > $max)
                """, t, ("$org", org), ("$max", MaxKept));
        }, cancellationToken);

    public Task<IReadOnlyList<Notification>> TakeAsync(string org, string adminId, CancellationToken cancellationToken = default) =>
        db.WriteAsync<IReadOnlyList<Notification>>((c, t) =>
        {
            using var command = Command(c, "SELECT body FROM admin_notifications WHERE org = $org AND admin_id = $id ORDER BY seq", t, ("$org", org), ("$id", adminId));
            var kept = new List<Notification>();
            using (var r = command.ExecuteReader())
            {
                while (r.Read())
                {
                    kept.Add(JsonSerializer.Deserialize<Notification>(r.GetString(0))!);
                }
            }

            Execute(c, "DELETE FROM admin_notifications WHERE org = $org AND admin_id = $id", t, ("$org", org), ("$id", adminId));
            return kept;
        }, cancellationToken);

    public Task RemoveInstanceConnectionsAsync(string? instanceId, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, t) => Execute(c, "DELETE FROM admin_connections WHERE $inst IS NULL OR instance_id = $inst", t, ("$inst", instanceId)), cancellationToken);

    public Task<PresenceCounts> CountAsync(CancellationToken cancellationToken = default) =>
        db.ReadAsync(c =>
        {
            var v = ReadLongs(c, "SELECT (SELECT COUNT(*) FROM admins), (SELECT COUNT(*) FROM (SELECT DISTINCT org, admin_id FROM admin_connections))");
            return new PresenceCounts(v[0], v[1]);
        });
}
