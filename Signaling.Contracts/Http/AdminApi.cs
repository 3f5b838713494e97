using System.Text.Json;
using Signaling.Contracts.Admin;

namespace Signaling.Contracts.Http;

/// <summary>Body of <c>POST /api/admin/clients/{clientId}/connect-requests</c>: as <c>AdminConnectRequest</c>, the client taken from the route.</summary>
/// <param name="OfferData">Any JSON value passed to the client unchanged; at most 64 KiB.</param>
/// <param name="Priority">Queue priority; <c>normal</c> by default.</param>
/// <param name="TtlSeconds">How long the request may wait; the server's default and maximum apply.</param>
public sealed record CreateConnectRequestBody(JsonElement OfferData, ConnectPriority? Priority = null, int? TtlSeconds = null);

/// <summary>A connect request as listed by <c>GET /api/admin/connect-requests</c>.</summary>
/// <param name="RequestId">The request.</param>
/// <param name="ClientId">The client it is for.</param>
/// <param name="AdminId">The admin who sent it.</param>
/// <param name="Priority">Its priority.</param>
/// <param name="Status">Its current state.</param>
/// <param name="CreatedAt">When it was sent, unix milliseconds.</param>
/// <param name="ExpiresAt">When its time to live runs out, unix milliseconds.</param>
/// <param name="AnsweredAt">When it was accepted, declined, cancelled or expired, unix milliseconds.</param>
/// <param name="Reason">Why it was declined, cancelled or expired.</param>
public sealed record ConnectRequestSummary(
    string RequestId,
    string ClientId,
    string AdminId,
    ConnectPriority Priority,
    ConnectRequestStatus Status,
    long CreatedAt,
    long ExpiresAt,
    long? AnsweredAt,
    string? Reason);
