
namespace Signaling.Hub.Infrastructure.Sqlite;

internal static class SqliteSchema
{
    /// <summary>
    /// Columns added after a table was first released. CREATE TABLE IF NOT EXISTS leaves an
    /// older file's tables as they were, so each is added when missing.
    /// </summary>
    private static readonly (string Table, string Column, string Definition)[] AddedColumns =
    [
        ("members", "files", "TEXT NOT NULL DEFAULT '[]'"),
        ("rooms", "creation_id", "TEXT NULL"),
    ];

    public static void Upgrade(Microsoft.Data.Sqlite.SqliteConnection connection)
    {
        foreach (var (table, column, definition) in AddedColumns)
        {
            using var info = SqliteDatabase.Command(connection, $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = $column", null, ("$column", column));
            if (Convert.ToInt64(info.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                SqliteDatabase.Execute(connection, $"ALTER TABLE {table} ADD COLUMN {column} {definition}");
            }
        }
    }

    public const string Create = """
        CREATE TABLE IF NOT EXISTS rooms (
            room_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            type TEXT NOT NULL,
            max_participants INTEGER NOT NULL,
            mute_on_entry INTEGER NOT NULL,
            allow_recording INTEGER NOT NULL,
            max_duration_minutes INTEGER NULL,
            created_at INTEGER NOT NULL,
            created_by TEXT NOT NULL,
            org TEXT NULL,
            creation_id TEXT NULL
        );
        CREATE TABLE IF NOT EXISTS members (
            room_id TEXT NOT NULL REFERENCES rooms(room_id) ON DELETE CASCADE,
            peer_id TEXT NOT NULL,
            display_name TEXT NOT NULL,
            is_active INTEGER NOT NULL,
            joined_at INTEGER NOT NULL,
            last_seen INTEGER NOT NULL,
            audio INTEGER NOT NULL,
            video INTEGER NOT NULL,
            screen INTEGER NOT NULL,
            user_data TEXT NOT NULL,
            files TEXT NOT NULL DEFAULT '[]',
            connection_id TEXT NULL,
            instance_id TEXT NULL,
            PRIMARY KEY (room_id, peer_id)
        );
        CREATE TABLE IF NOT EXISTS files (
            file_id TEXT PRIMARY KEY,
            room_id TEXT NOT NULL REFERENCES rooms(room_id) ON DELETE CASCADE,
            peer_id TEXT NOT NULL,
            file_name TEXT NOT NULL,
            content_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            uploaded_at INTEGER NOT NULL,
            url TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS clients (
            org TEXT NOT NULL,
            client_id TEXT NOT NULL,
            user_name TEXT NOT NULL,
            first_seen INTEGER NOT NULL,
            last_seen INTEGER NOT NULL,
            connect_count INTEGER NOT NULL,
            PRIMARY KEY (org, client_id)
        );
        CREATE TABLE IF NOT EXISTS client_connections (
            org TEXT NOT NULL,
            client_id TEXT NOT NULL,
            connection_id TEXT NOT NULL,
            instance_id TEXT NOT NULL,
            PRIMARY KEY (org, client_id, connection_id)
        );
        CREATE TABLE IF NOT EXISTS client_history (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            org TEXT NOT NULL,
            client_id TEXT NOT NULL,
            type TEXT NOT NULL,
            at INTEGER NOT NULL,
            request_id TEXT NULL,
            detail TEXT NULL
        );
        CREATE INDEX IF NOT EXISTS client_history_by_client ON client_history(org, client_id, seq);
        CREATE TABLE IF NOT EXISTS connect_requests (
            request_id TEXT PRIMARY KEY,
            org TEXT NOT NULL,
            client_id TEXT NOT NULL,
            admin_id TEXT NOT NULL,
            admin_name TEXT NOT NULL,
            offer_data TEXT NOT NULL,
            priority INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            status TEXT NOT NULL,
            was_queued INTEGER NOT NULL,
            answer_data TEXT NULL,
            reason TEXT NULL,
            answered_at INTEGER NULL
        );
        CREATE INDEX IF NOT EXISTS connect_requests_queue ON connect_requests(org, client_id, status, priority DESC, created_at);
        CREATE INDEX IF NOT EXISTS connect_requests_live ON connect_requests(expires_at) WHERE status IN ('Queued', 'Delivered');
        CREATE TABLE IF NOT EXISTS admins (
            org TEXT NOT NULL,
            admin_id TEXT NOT NULL,
            PRIMARY KEY (org, admin_id)
        );
        CREATE TABLE IF NOT EXISTS admin_connections (
            org TEXT NOT NULL,
            admin_id TEXT NOT NULL,
            connection_id TEXT NOT NULL,
            instance_id TEXT NOT NULL,
            PRIMARY KEY (org, admin_id, connection_id)
        );
        CREATE TABLE IF NOT EXISTS admin_notifications (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            org TEXT NOT NULL,
            admin_id TEXT NOT NULL,
            at INTEGER NOT NULL,
            body TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS admin_notifications_by_admin ON admin_notifications(org, admin_id, seq);
        CREATE INDEX IF NOT EXISTS members_active ON members(is_active, instance_id);
        """;
}
