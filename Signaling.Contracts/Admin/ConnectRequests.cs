using System.Text.Json;

namespace Signaling.Contracts.Admin;

/// <summary>Argument of <c>AdminConnectRequest</c>: ask a client device to connect to the calling admin.</summary>
/// <param name="ClientId">The client's identity (<c>sub</c>), in the admin's organization.</param>
/// <param name="OfferData">Any JSON value (object or string), passed to the client unchanged; at most 64 KiB.</param>
/// <param name="Priority">Queue priority when the client is offline; <c>normal</c> by default.</param>
/// <param name="TtlSeconds">How long the request may wait; the server's default and maximum apply.</param>
public sealed record AdminConnectRequestArgs(
    string ClientId,
    JsonElement OfferData,
    ConnectPriority? Priority = null,
    int? TtlSeconds = null);

/// <summary>Result of <c>AdminConnectRequest</c>.</summary>
/// <param name="RequestId">The request's id.</param>
/// <param name="ClientId">The client.</param>
/// <param name="Status"><c>sent</c> when the client was online, <c>queued</c> otherwise.</param>
/// <param name="QueuePosition">1-based position in the client's queue when queued.</param>
public sealed record ConnectRequestResult(string RequestId, string ClientId, ConnectDispatchStatus Status, int? QueuePosition = null);

/// <summary>Argument of <c>RespondToConnectRequest</c>: the targeted client's answer.</summary>
/// <param name="RequestId">The request.</param>
/// <param name="Accepted">Whether the client accepts.</param>
/// <param name="AnswerData">Any JSON value passed to the admin unchanged; at most 64 KiB.</param>
/// <param name="Reason">Why the client declined.</param>
public sealed record RespondToConnectRequestArgs(string RequestId, bool Accepted, JsonElement? AnswerData = null, string? Reason = null);

/// <summary>Event <c>ConnectRequest</c>, to a client: an admin asks it to connect.</summary>
/// <param name="RequestId">The request, for <c>RespondToConnectRequest</c>.</param>
/// <param name="AdminId">The admin's identity.</param>
/// <param name="AdminName">The admin's display name.</param>
/// <param name="OfferData">What the admin sent.</param>
/// <param name="Priority">The request's priority.</param>
/// <param name="CreatedAt">When the admin sent it, unix milliseconds.</param>
/// <param name="WasQueued">True when it waited in the queue while the client was offline.</param>
public sealed record ConnectRequestEvent(
    string RequestId,
    string AdminId,
    string AdminName,
    JsonElement OfferData,
    ConnectPriority Priority,
    long CreatedAt,
    bool WasQueued);

/// <summary>Event <c>ConnectRequestUpdated</c>, to the admin: its request changed state.</summary>
/// <param name="RequestId">The request.</param>
/// <param name="ClientId">The client.</param>
/// <param name="Status">The new state.</param>
/// <param name="AnswerData">What the client answered, when accepted.</param>
/// <param name="Reason">Why it was declined, cancelled or expired.</param>
/// <param name="At">When, unix milliseconds.</param>
public sealed record ConnectRequestUpdatedEvent(
    string RequestId,
    string ClientId,
    ConnectRequestStatus Status,
    JsonElement? AnswerData,
    string? Reason,
    long At);
