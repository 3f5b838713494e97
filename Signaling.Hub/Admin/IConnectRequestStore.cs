using System.Text.Json;
using Signaling.Contracts.Admin;

namespace Signaling.Hub.Admin;

/// <summary>A connect request as stored.</summary>
public sealed record ConnectRequestRecord(
    string RequestId,
    string Org,
    string ClientId,
    string AdminId,
    string AdminName,
    JsonElement OfferData,
    ConnectPriority Priority,
    long CreatedAt,
    long ExpiresAt,
    ConnectRequestStatus Status,
    bool WasQueued,
    JsonElement? AnswerData = null,
    string? Reason = null,
    long? AnsweredAt = null);

public enum CreateRequestStatus
{
    Sent,
    Queued,
    QueueFull,
}

/// <param name="Request">The stored request (its status says whether it was sent or queued).</param>
/// <param name="Status">What happened.</param>
/// <param name="QueuePosition">1-based position in the client's queue when queued.</param>
public sealed record CreateRequestOutcome(ConnectRequestRecord Request, CreateRequestStatus Status, int? QueuePosition);

/// <summary>
/// Admin connect requests with priority and time to live. Claiming a client's queue is atomic,
/// so a queued request is delivered exactly once however many connections race for it.
/// </summary>
public interface IConnectRequestStore
{
    /// <summary>Stores the request as delivered when the client is online now, else queued unless the queue is full.</summary>
    Task<CreateRequestOutcome> CreateAsync(ConnectRequestRecord request, int maxQueued, CancellationToken cancellationToken = default);

    /// <summary>Marks every live queued request of the client delivered and returns them, highest priority then oldest first.</summary>
    Task<IReadOnlyList<ConnectRequestRecord>> ClaimQueuedAsync(string org, string clientId, long now, CancellationToken cancellationToken = default);

    /// <summary>The client's answer to a request delivered to it; null when there is no such live request.</summary>
    Task<ConnectRequestRecord?> RespondAsync(string org, string clientId, string requestId, bool accepted, JsonElement? answerData, string? reason, long now, CancellationToken cancellationToken = default);

    /// <summary>The admin cancels its own queued or delivered request; null when there is no such live request.</summary>
    Task<ConnectRequestRecord?> CancelAsync(string org, string adminId, string requestId, long now, CancellationToken cancellationToken = default);

    /// <summary>Expires queued and delivered requests whose time to live has run out.</summary>
    Task<IReadOnlyList<ConnectRequestRecord>> ExpireAsync(long now, CancellationToken cancellationToken = default);

    /// <summary>The earliest time to live of a queued or delivered request that runs out after <paramref name="after"/>; null when there is none.</summary>
    Task<long?> NextExpiryAsync(long after, CancellationToken cancellationToken = default);

    /// <summary>The organization's requests, newest first.</summary>
    Task<IReadOnlyList<ConnectRequestRecord>> ListAsync(string org, int limit, CancellationToken cancellationToken = default);

    /// <summary>Queued requests per client of the organization.</summary>
    Task<IReadOnlyDictionary<string, int>> QueuedCountsAsync(string org, CancellationToken cancellationToken = default);

    /// <summary>Delivered requests awaiting an answer, queued requests, and all requests stored.</summary>
    Task<RequestCounts> CountAsync(CancellationToken cancellationToken = default);
}
