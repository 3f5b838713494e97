using Microsoft.Data.Sqlite;
using Signaling.Contracts.Admin;
using Signaling.Hub.Admin;
using static Signaling.Hub.Infrastructure.Sqlite.SqliteDatabase;

namespace Signaling.Hub.Infrastructure.Sqlite;

public sealed class SqliteClientStore(SqliteDatabase db) : IClientStore
{
    private const string ClientColumns = """
        org, client_id, user_name, first_seen, last_seen, connect_count,
        (SELECT COUNT(*) FROM client_connections cc WHERE cc.org = clients.org AND cc.client_id = clients.client_id)
        """;

    public Task<ClientPresence> ClientConnectedAsync(string org, string clientId, string userName, string connectionId, string instanceId, long now, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, t) =>
        {
            var before = Read(c, t, org, clientId);
            Execute(c, """
                INSERT INTO clients (org, client_id, user_name, first_seen, last_seen, connect_count) VALUES ($org, $id, $name, $now, $now, 1)
                ON CONFLICT(org, client_id) DO UPDATE SET user_name = $name, last_seen = $now, connect_count = connect_count + 1
                """, t, ("$org", org), ("$id", clientId), ("$name", userName), ("$now", now));
            Execute(c, "INSERT OR REPLACE INTO client_connections (org, client_id, connection_id, instance_id) VALUES ($org, $id, $conn, $inst)",
                t, ("$org", org), ("$id", clientId), ("$conn", connectionId), ("$inst", instanceId));
            History(c, t, org, clientId, ClientHistoryEventType.Connected, now);
            return new ClientPresence(Read(c, t, org, clientId)!, before is not null, before is not { OnlineConnections: > 0 });
        }, cancellationToken);

    public Task<ClientPresence?> ClientDisconnectedAsync(string org, string clientId, string connectionId, long now, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, t) =>
        {
            var removed = Execute(c, "DELETE FROM client_connections WHERE org = $org AND client_id = $id AND connection_id = $conn",
                t, ("$org", org), ("$id", clientId), ("$conn", connectionId));
            if (removed == 0)
            {
                return null;
            }

            Execute(c, "UPDATE clients SET last_seen = $now WHERE org = $org AND client_id = $id", t, ("$org", org), ("$id", clientId), ("$now", now));
            History(c, t, org, clientId, ClientHistoryEventType.Disconnected, now);
            var after = Read(c, t, org, clientId)!;
            return new ClientPresence(after, true, after.OnlineConnections == 0);
        }, cancellationToken);

    public Task<IReadOnlyList<ClientRecord>> ListClientsAsync(string org, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<ClientRecord>>(c => ReadWhere(c, null, "org = $org ORDER BY client_id", ("$org", org)));

    public Task<ClientRecord?> GetClientAsync(string org, string clientId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => Read(c, null, org, clientId));

    public Task<IReadOnlyList<ClientHistoryEntry>> GetHistoryAsync(string org, string clientId, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<ClientHistoryEntry>>(c =>
        {
            using var command = Command(c, """
                SELECT type, at, request_id, detail FROM (
                    SELECT seq, type, at, request_id, detail FROM client_history WHERE org = $org AND client_id = $id ORDER BY seq DESC LIMIT $limit)
                ORDER BY seq
                """, null, ("$org", org), ("$id", clientId), ("$limit", limit));
            using var r = command.ExecuteReader();
            var entries = new List<ClientHistoryEntry>();
            while (r.Read())
            {
                entries.Add(new ClientHistoryEntry(Enum.Parse<ClientHistoryEventType>(r.GetString(0)), r.GetInt64(1),
                    r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3)));
            }

            return entries;
        });

    public Task<IReadOnlyList<ClientRecord>> RemoveInstanceConnectionsAsync(string? instanceId, long now, CancellationToken cancellationToken = default) =>
        db.WriteAsync<IReadOnlyList<ClientRecord>>((c, t) =>
        {
            const string Filter = "$inst IS NULL OR instance_id = $inst";
            var affected = ReadWhere(c, t, $"EXISTS (SELECT 1 FROM client_connections cc WHERE cc.org = clients.org AND cc.client_id = clients.client_id AND ({Filter}))", ("$inst", instanceId));
            Execute(c, $"DELETE FROM client_connections WHERE {Filter}", t, ("$inst", instanceId));
            var offline = new List<ClientRecord>();
            foreach (var client in affected)
            {
                var after = Read(c, t, client.Org, client.ClientId)!;
                if (after.OnlineConnections == 0)
                {
                    Execute(c, "UPDATE clients SET last_seen = $now WHERE org = $org AND client_id = $id", t, ("$org", client.Org), ("$id", client.ClientId), ("$now", now));
                    History(c, t, client.Org, client.ClientId, ClientHistoryEventType.Disconnected, now);
                    offline.Add(after with { LastSeen = now });
                }
            }

            return offline;
        }, cancellationToken);

    internal static void History(SqliteConnection c, SqliteTransaction t, string org, string clientId, ClientHistoryEventType type, long at, string? requestId = null, string? detail = null) =>
        Execute(c, "INSERT INTO client_history (org, client_id, type, at, request_id, detail) VALUES ($org, $id, $type, $at, $req, $detail)",
            t, ("$org", org), ("$id", clientId), ("$type", type.ToString()), ("$at", at), ("$req", requestId), ("$detail", detail));

    private static ClientRecord? Read(SqliteConnection c, SqliteTransaction? t, string org, string clientId) =>
        ReadWhere(c, t, "org = $org AND client_id = $id", ("$org", org), ("$id", clientId)).FirstOrDefault();

    private static List<ClientRecord> ReadWhere(SqliteConnection c, SqliteTransaction? t, string where, params (string, object?)[] parameters)
    {
        using var command = Command(c, $"SELECT {ClientColumns} FROM clients WHERE {where}", t, parameters);
        using var r = command.ExecuteReader();
        var clients = new List<ClientRecord>();
        while (r.Read())
        {
            clients.Add(new ClientRecord(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.GetInt32(5), r.GetInt32(6)));
        }

        return clients;
    }

    public Task<PresenceCounts> CountAsync(CancellationToken cancellationToken = default) =>
        db.ReadAsync(c =>
        {
            var v = ReadLongs(c, "SELECT (SELECT COUNT(*) FROM clients), (SELECT COUNT(*) FROM (SELECT DISTINCT org, client_id FROM client_connections))");
            return new PresenceCounts(v[0], v[1]);
        });
}
