using Signaling.Contracts.Admin;

namespace Signaling.Hub.Admin;

/// <summary>A client device of an organization, as registered by its connections.</summary>
public sealed record ClientRecord(
    string Org,
    string ClientId,
    string UserName,
    long FirstSeen,
    long LastSeen,
    int ConnectCount,
    int OnlineConnections)
{
    public ClientStatus Status => OnlineConnections > 0 ? ClientStatus.Online : ClientStatus.Offline;
}

/// <summary>A presence change: the client after it, and whether it crossed online/offline.</summary>
/// <param name="Client">The client after the change.</param>
/// <param name="Reconnected">The client had connected before this connection.</param>
/// <param name="Crossed">It came online (first open connection) or went offline (last one closed).</param>
public sealed record ClientPresence(ClientRecord Client, bool Reconnected, bool Crossed);

/// <summary>
/// The client registry and its history, shared by every instance. A client may hold several
/// connections (on several instances); it is online while any of them is open.
/// </summary>
public interface IClientStore
{
    Task<ClientPresence> ClientConnectedAsync(string org, string clientId, string userName, string connectionId, string instanceId, long now, CancellationToken cancellationToken = default);

    /// <summary>Null when the connection was not registered (already removed, e.g. by recovery).</summary>
    Task<ClientPresence?> ClientDisconnectedAsync(string org, string clientId, string connectionId, long now, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ClientRecord>> ListClientsAsync(string org, CancellationToken cancellationToken = default);

    Task<ClientRecord?> GetClientAsync(string org, string clientId, CancellationToken cancellationToken = default);

    /// <summary>Oldest first, at most <paramref name="limit"/> of the most recent entries.</summary>
    Task<IReadOnlyList<ClientHistoryEntry>> GetHistoryAsync(string org, string clientId, int limit, CancellationToken cancellationToken = default);

    /// <summary>Drops the connections <paramref name="instanceId"/> held (every instance when null); returns the clients that went offline.</summary>
    Task<IReadOnlyList<ClientRecord>> RemoveInstanceConnectionsAsync(string? instanceId, long now, CancellationToken cancellationToken = default);

    /// <summary>Known clients and clients with an open connection, across the cluster.</summary>
    Task<PresenceCounts> CountAsync(CancellationToken cancellationToken = default);
}
