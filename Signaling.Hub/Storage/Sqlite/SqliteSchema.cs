namespace Signaling.Hub.Storage.Sqlite;

internal static class SqliteSchema
{
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
            org TEXT NULL
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
        CREATE INDEX IF NOT EXISTS members_active ON members(is_active, instance_id);
        """;
}
