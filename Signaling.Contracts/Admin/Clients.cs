namespace Signaling.Contracts.Admin;

/// <summary>Event <c>ClientStatusChanged</c>, to the admins of the client's organization.</summary>
/// <param name="ClientId">The client's identity.</param>
/// <param name="UserName">The client's <c>name</c> claim.</param>
/// <param name="Status">Online or offline.</param>
/// <param name="Reconnected">True when the client had connected before.</param>
/// <param name="LastSeen">When it was last seen, unix milliseconds.</param>
public sealed record ClientStatusChangedEvent(string ClientId, string UserName, ClientStatus Status, bool Reconnected, long LastSeen);

/// <summary>A client device of the caller's organization.</summary>
/// <param name="ClientId">The client's identity.</param>
/// <param name="UserName">The client's <c>name</c> claim.</param>
/// <param name="Status">Online or offline.</param>
/// <param name="LastSeen">When it was last seen, unix milliseconds.</param>
/// <param name="FirstSeen">When it first connected, unix milliseconds.</param>
/// <param name="ConnectCount">How many times it connected.</param>
/// <param name="PendingRequests">Connect requests waiting in its queue.</param>
public sealed record ClientSummary(
    string ClientId,
    string UserName,
    ClientStatus Status,
    long LastSeen,
    long FirstSeen,
    int ConnectCount,
    int PendingRequests);

/// <summary>One entry of a client's history.</summary>
/// <param name="Type">What happened.</param>
/// <param name="At">When, unix milliseconds.</param>
/// <param name="RequestId">The connect request concerned, if any.</param>
/// <param name="Detail">Free text (a decline reason, for example).</param>
public sealed record ClientHistoryEntry(ClientHistoryEventType Type, long At, string? RequestId = null, string? Detail = null);

/// <summary>Result of <c>GetClientHistory</c>.</summary>
/// <param name="ClientId">The client.</param>
/// <param name="Events">Its history, oldest first.</param>
public sealed record ClientHistory(string ClientId, IReadOnlyList<ClientHistoryEntry> Events);

/// <summary>Something that happened while an admin was away, sent in <c>PendingNotifications</c>.</summary>
/// <param name="Type">What kind of notification.</param>
/// <param name="At">When, unix milliseconds.</param>
/// <param name="ClientId">The client concerned.</param>
/// <param name="RequestId">The request concerned.</param>
/// <param name="Status">The request's new state.</param>
/// <param name="Detail">Free text.</param>
public sealed record Notification(
    NotificationType Type,
    long At,
    string? ClientId = null,
    string? RequestId = null,
    ConnectRequestStatus? Status = null,
    string? Detail = null);
