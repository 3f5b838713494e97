using Signaling.Hub.Infrastructure.Sqlite;

namespace Signaling.Tests.Storage;

/// <summary>
/// The embedded store's single writer connection reuses each statement's compiled form across
/// writes; these pin what that reuse must not change.
/// </summary>
public sealed class SqliteDatabaseTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("signaling-sqlite-").FullName;
    private readonly SqliteDatabase _db;

    public SqliteDatabaseTests() => _db = new SqliteDatabase(Path.Combine(_directory, "db"));

    [Fact]
    public async Task A_statement_run_again_while_its_reader_is_open_reads_on_its_own()
    {
        const string Select = "SELECT client_id FROM clients WHERE org = $org ORDER BY client_id";
        var pairs = await _db.WriteAsync((c, t) =>
        {
            foreach (var id in new[] { "a", "b" })
            {
                SqliteDatabase.Execute(c, "INSERT INTO clients VALUES ('o', $id, $id, 0, 0, 1)", t, ("$id", id));
            }

            // The same text again inside the outer loop: the outer reader must keep its place.
            var seen = new List<string>();
            using var outer = SqliteDatabase.Command(c, Select, t, ("$org", "o"));
            using var r = outer.ExecuteReader();
            while (r.Read())
            {
                using var inner = SqliteDatabase.Command(c, Select, t, ("$org", "o"));
                using var r2 = inner.ExecuteReader();
                while (r2.Read())
                {
                    seen.Add(r.GetString(0) + r2.GetString(0));
                }
            }

            return seen;
        }, CancellationToken.None);

        Assert.Equal(["aa", "ab", "ba", "bb"], pairs);
    }

    [Fact]
    public async Task A_reused_statement_binds_this_calls_values_and_a_failed_write_leaves_nothing_behind()
    {
        const string Insert = "INSERT INTO clients VALUES ($org, $id, $id, 0, 0, 1)";
        await _db.WriteAsync((c, t) => SqliteDatabase.Execute(c, Insert, t, ("$org", "o"), ("$id", "first")), CancellationToken.None);
        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => _db.WriteAsync((c, t) =>
        {
            SqliteDatabase.Execute(c, Insert, t, ("$org", "o"), ("$id", "rolled-back"));
            return SqliteDatabase.Execute(c, Insert, t, ("$org", "o"), ("$id", "first")); // primary key taken
        }, CancellationToken.None));
        await _db.WriteAsync((c, t) => SqliteDatabase.Execute(c, Insert, t, ("$org", "p"), ("$id", "second")), CancellationToken.None);

        var rows = await _db.ReadAsync(c =>
        {
            using var command = SqliteDatabase.Command(c, "SELECT org || '/' || client_id FROM clients ORDER BY org, client_id", null);
            using var r = command.ExecuteReader();
            var list = new List<string>();
            while (r.Read())
            {
                list.Add(r.GetString(0));
            }

            return list;
        });
        Assert.Equal(["o/first", "p/second"], rows);
    }

    [Fact]
    public async Task Foreign_keys_hold_on_every_write()
    {
        // Deleting a room takes its members with it only while foreign keys are on for the writer.
        await _db.WriteAsync((c, t) =>
        {
            SqliteDatabase.Execute(c, "INSERT INTO rooms (room_id, name, type, max_participants, mute_on_entry, allow_recording, created_at, created_by) VALUES ('r', 'r', 'Video', 4, 0, 0, 0, 'x')", t);
            return SqliteDatabase.Execute(c, "INSERT INTO members (room_id, peer_id, display_name, is_active, joined_at, last_seen, audio, video, screen, user_data) VALUES ('r', 'p', 'p', 1, 0, 0, 0, 0, 0, '{}')", t);
        }, CancellationToken.None);
        await _db.WriteAsync((c, t) => SqliteDatabase.Execute(c, "DELETE FROM rooms WHERE room_id = 'r'", t), CancellationToken.None);

        var members = await _db.ReadAsync(c => SqliteDatabase.ReadLongs(c, "SELECT COUNT(*) FROM members")[0]);
        Assert.Equal(0, members);
    }

    [Fact]
    public async Task A_write_after_dispose_fails_instead_of_waiting()
    {
        _db.Dispose();
        var write = _db.WriteAsync((c, t) => SqliteDatabase.Execute(c, "DELETE FROM clients", t), CancellationToken.None);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => write.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    public void Dispose()
    {
        _db.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
