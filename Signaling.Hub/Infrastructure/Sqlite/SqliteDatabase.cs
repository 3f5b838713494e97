using Microsoft.Data.Sqlite;

namespace Signaling.Hub.Infrastructure.Sqlite;

/// <summary>
/// The embedded store's file. SQLite allows one writer at a time, so writes are serialized here
/// instead of bouncing off SQLITE_BUSY, on one connection kept open for them; reads use their own
/// pooled connections (WAL lets them run beside the writer).
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    // Every join, leave and presence change is a write: one connection for all of them keeps its
    // pragmas and its prepared statements, where a pooled connection per write set the pragmas
    // again and compiled each statement again (a tenth of the server CPU of a client connecting).
    private readonly WriterConnection _writer;
    private bool _disposed;

    public SqliteDatabase(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        FilePath = full;

        using (var connection = Open())
        {
            Execute(connection, "PRAGMA journal_mode=WAL;");
            Execute(connection, SqliteSchema.Create);
            SqliteSchema.Upgrade(connection);
        }

        _writer = new WriterConnection(_connectionString);
        _writer.Open();
        // Pragmas that matter to writes only; they hold for this connection's lifetime.
        Execute(_writer, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;");
    }

    public string FilePath { get; }

    /// <summary>A pooled connection for reads (and for set-up); writes go through <see cref="WriteAsync"/>.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    public async Task<T> ReadAsync<T>(Func<SqliteConnection, T> read)
    {
        await using var connection = Open();
        return read(connection);
    }

    /// <summary>Runs <paramref name="write"/> in an immediate transaction, alone among this process's writers.</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> write, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var transaction = _writer.BeginTransaction(deferred: false);
            var result = write(_writer, transaction);
            transaction.Commit();
            return result;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public static int Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, transaction, parameters);
        return command.ExecuteNonQuery();
    }

    public static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        var command = connection is WriterConnection writer ? writer.Rent(sql) : connection.CreateCommand();
        try
        {
            command.CommandText = sql;
            command.Transaction = transaction;
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }
        }
        catch
        {
            // The caller never gets it to dispose: a reused command must go back all the same.
            command.Dispose();
            throw;
        }

        return command;
    }

    public void Dispose()
    {
        // A write still running finishes first; one that comes later finds the store disposed. A
        // write stuck past the wait keeps its connection: closing it underneath would be worse.
        if (!_writeLock.Wait(TimeSpan.FromSeconds(30)))
        {
            _disposed = true;
            return;
        }

        try
        {
            if (!_disposed)
            {
                _disposed = true;
                _writer.Dispose();
                SqliteConnection.ClearAllPools();
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Runs a query that returns one row of integers.</summary>
    public static long[] ReadLongs(SqliteConnection connection, string sql)
    {
        using var command = Command(connection, sql, null);
        using var r = command.ExecuteReader();
        r.Read();
        var values = new long[r.FieldCount];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = r.IsDBNull(i) ? 0 : r.GetInt64(i);
        }

        return values;
    }

    /// <summary>
    /// The writer's connection: it hands out one command per statement text and keeps it, so that
    /// SQLite compiles each statement once. Only used under the write lock, so never concurrently.
    /// </summary>
    private sealed class WriterConnection(string connectionString) : SqliteConnection(connectionString)
    {
        // Statement texts are constants or built from constants; the bound is a guard, not a cache size.
        private const int MaxStatements = 256;
        private readonly Dictionary<string, ReusedCommand> _commands = new(StringComparer.Ordinal);

        public SqliteCommand Rent(string sql)
        {
            if (_commands.TryGetValue(sql, out var cached))
            {
                if (cached.InUse)
                {
                    // The same statement again while a reader of it is still open: a command of its own.
                    return CreateCommand();
                }

                cached.InUse = true;
                cached.Parameters.Clear();
                return cached;
            }

            if (_commands.Count >= MaxStatements)
            {
                return CreateCommand();
            }

            var command = new ReusedCommand { Connection = this, CommandText = sql, InUse = true };
            _commands.Add(sql, command);
            return command;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                foreach (var command in _commands.Values)
                {
                    command.Release();
                }

                _commands.Clear();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>A command whose <c>Dispose</c> (by the caller's <c>using</c>) hands it back instead of finalizing its statements.</summary>
    private sealed class ReusedCommand : SqliteCommand
    {
        private bool _released;

        public bool InUse { get; set; }

        public void Release()
        {
            _released = true;
            Dispose();
        }

        protected override void Dispose(bool disposing)
        {
            if (_released)
            {
                base.Dispose(disposing);
                return;
            }

            InUse = false;
        }
    }
}
