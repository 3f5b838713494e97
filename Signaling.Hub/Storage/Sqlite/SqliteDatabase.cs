using Microsoft.Data.Sqlite;

namespace Signaling.Hub.Storage.Sqlite;

/// <summary>
/// The embedded store's file. SQLite allows one writer at a time, so writes are serialized here
/// instead of bouncing off SQLITE_BUSY; reads use their own pooled connections (WAL lets them
/// run beside the writer).
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

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

        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Execute(connection, SqliteSchema.Create);
        SqliteSchema.Upgrade(connection);
    }

    public string FilePath { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;");
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
            await using var connection = Open();
            await using var transaction = connection.BeginTransaction(deferred: false);
            var result = write(connection, transaction);
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
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    public void Dispose()
    {
        _writeLock.Dispose();
        SqliteConnection.ClearAllPools();
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
}
