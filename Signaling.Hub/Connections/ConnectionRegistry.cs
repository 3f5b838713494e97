using System.Collections.Concurrent;
using Signaling.Hub.Security;
using ConnectionInfo = Signaling.Contracts.Http.ConnectionInfo;

namespace Signaling.Hub.Connections;

/// <summary>What this instance knows about one of its connections, for the life of the connection.</summary>
public sealed class ConnectionSession(string connectionId, CallerIdentity caller, long connectedAt, Action? abort = null)
{
    public string ConnectionId { get; } = connectionId;

    public CallerIdentity Caller { get; } = caller;

    public long ConnectedAt { get; } = connectedAt;

    /// <summary>
    /// Closes the connection through SignalR, which sends what was already written before the
    /// close frame (unlike the host's own close at shutdown, which can cut it off).
    /// </summary>
    public void Abort() => abort?.Invoke();

    /// <summary>Rooms this connection holds an active membership of.</summary>
    /// <remarks>
    /// Usually one room, changed by one caller at a time: the default size (31 buckets, a lock per
    /// CPU) cost every idle connection a few hundred bytes, more on a server with more cores.
    /// </remarks>
    public ConcurrentDictionary<string, byte> Rooms { get; } = new(concurrencyLevel: 1, capacity: 1, StringComparer.Ordinal);
}

/// <summary>The connections of this instance, so a join can reach the session it replaces.</summary>
public sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<string, ConnectionSession> _sessions = new(StringComparer.Ordinal);
    private readonly Common.EmptiedSignal _emptied = new();

    public void Add(ConnectionSession session) => _sessions[session.ConnectionId] = session;

    public ConnectionSession? Remove(string connectionId)
    {
        // IsEmpty on an empty dictionary takes every lock: asked only when this call emptied it, not
        // by each of 10,000 disconnects at a stop, which find their sessions already released.
        if (!_sessions.TryRemove(connectionId, out var removed))
        {
            return null;
        }

        if (_sessions.IsEmpty)
        {
            _emptied.Emptied();
        }

        return removed;
    }

    public IEnumerable<ConnectionSession> Sessions => _sessions.Values;

    /// <summary>Completes once no connection is registered: every OnDisconnectedAsync has run.</summary>
    public Task WhenEmptyAsync() => _emptied.WhenEmptyAsync(() => _sessions.IsEmpty);

    public ConnectionSession? Find(string connectionId) => _sessions.GetValueOrDefault(connectionId);

    /// <summary>This instance's connections, optionally of one organization, for <c>GET /api/connections</c>.</summary>
    public List<ConnectionInfo> Describe(string instanceId, string? org) =>
        _sessions.Values
            .Where(s => org is null || string.Equals(s.Caller.Org, org, StringComparison.Ordinal))
            .Select(s => new ConnectionInfo(s.ConnectionId, s.Caller.Id, s.Caller.Name, s.Caller.Roles.Order(StringComparer.Ordinal).ToList(),
                s.Caller.Org, instanceId, s.ConnectedAt, s.Rooms.Keys.Order(StringComparer.Ordinal).ToList()))
            .ToList();
}
