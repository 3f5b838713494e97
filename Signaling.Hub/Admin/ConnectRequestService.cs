using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Signaling.Contracts;
using Signaling.Contracts.Admin;
using Signaling.Hub.Common;
using Signaling.Hub.Connections;
using Signaling.Hub.Security;

namespace Signaling.Hub.Admin;

/// <summary>Admin-initiated connections: send or queue, deliver on connect, answer, cancel, expire.</summary>
public sealed class ConnectRequestService(
    IConnectRequestStore requests,
    IClientStore clients,
    IAdminInboxStore inbox,
    ISignalingClients hub,
    DeadlineTimer<RequestJanitor> deadlines,
    IOptionsMonitor<QueueOptions> options,
    TimeProvider time)
{
    public async Task<ConnectRequestResult> CreateAsync(CallerIdentity admin, AdminConnectRequestArgs args)
    {
        PresenceService.RequireAdmin(admin);
        Validate.NotNull(args, "args");
        var clientId = Validate.Id(args.ClientId, "clientId");
        if (args.OfferData.ValueKind is JsonValueKind.Undefined)
        {
            throw RefusalException.InvalidArgument("'offerData' is required");
        }

        Validate.WellFormedJson(args.OfferData, "offerData");
        if (Encoding.UTF8.GetByteCount(args.OfferData.GetRawText()) > ProtocolLimits.MaxSdpBytes)
        {
            throw RefusalException.TooLarge($"'offerData' is larger than {ProtocolLimits.MaxSdpBytes} bytes");
        }

        var o = options.CurrentValue;
        var ttl = args.TtlSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : o.DefaultTtl;
        if (ttl <= TimeSpan.Zero || ttl > o.MaxTtl)
        {
            throw RefusalException.InvalidArgument($"'ttlSeconds' must be between 1 and {(long)o.MaxTtl.TotalSeconds}");
        }

        var org = PresenceService.OrgOf(admin);
        if (await clients.GetClientAsync(org, clientId) is null)
        {
            throw new RefusalException(ErrorCodes.ClientNotFound, $"no client '{clientId}' in this organization");
        }

        var now = time.NowMs();
        var outcome = await requests.CreateAsync(new ConnectRequestRecord(
            "q-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)), org, clientId, admin.Id, admin.Name,
            args.OfferData.Clone(), args.Priority ?? ConnectPriority.Normal, now, now + (long)ttl.TotalMilliseconds,
            ConnectRequestStatus.Queued, false), o.MaxPerClient);
        if (outcome.Status is not CreateRequestStatus.QueueFull)
        {
            deadlines.Schedule(outcome.Request.ExpiresAt);
        }

        switch (outcome.Status)
        {
            case CreateRequestStatus.QueueFull:
                throw new RefusalException(ErrorCodes.QueueFull, $"client '{clientId}' already has {o.MaxPerClient} queued requests");
            case CreateRequestStatus.Sent:
                await DeliverAsync(outcome.Request);
                return new ConnectRequestResult(outcome.Request.RequestId, clientId, ConnectDispatchStatus.Sent);
            default:
                return new ConnectRequestResult(outcome.Request.RequestId, clientId, ConnectDispatchStatus.Queued, outcome.QueuePosition);
        }
    }

    /// <summary>
    /// Runs when a client connects: its queue, in order, to the connection that claimed it only,
    /// so a device connecting twice at once gets each queued request exactly once.
    /// </summary>
    public async Task DeliverQueuedAsync(string org, string clientId, string connectionId)
    {
        foreach (var request in await requests.ClaimQueuedAsync(org, clientId, time.NowMs()))
        {
            await hub.Clients.Client(connectionId).ConnectRequest(ToEvent(request));
            await NotifyAdminAsync(request, null);
        }
    }

    public async Task RespondAsync(CallerIdentity client, RespondToConnectRequestArgs args)
    {
        Validate.NotNull(args, "args");
        var requestId = Validate.Id(args.RequestId, "requestId");
        if (args.AnswerData is { } data)
        {
            Validate.WellFormedJson(data, "answerData");
        }

        if (args.AnswerData is { } answer && Encoding.UTF8.GetByteCount(answer.GetRawText()) > ProtocolLimits.MaxSdpBytes)
        {
            throw RefusalException.TooLarge($"'answerData' is larger than {ProtocolLimits.MaxSdpBytes} bytes");
        }

        if (args.Reason is { Length: > 512 })
        {
            throw RefusalException.InvalidArgument("'reason' must be at most 512 characters");
        }

        var answered = await requests.RespondAsync(PresenceService.OrgOf(client), client.Id, requestId, args.Accepted, args.AnswerData?.Clone(), args.Reason, time.NowMs())
            ?? throw new RefusalException(ErrorCodes.RequestNotFound, $"no open request '{requestId}' for this client");
        await NotifyAdminAsync(answered, answered.Reason);
    }

    public async Task CancelAsync(CallerIdentity admin, string? requestId)
    {
        PresenceService.RequireAdmin(admin);
        Validate.Id(requestId, "requestId");
        var cancelled = await requests.CancelAsync(PresenceService.OrgOf(admin), admin.Id, requestId, time.NowMs())
            ?? throw new RefusalException(ErrorCodes.RequestNotFound, $"no open request '{requestId}' of yours");
        await NotifyAdminAsync(cancelled, null);
    }

    /// <summary>Expires what ran out and tells each request's admin.</summary>
    public async Task<int> ExpireAsync(CancellationToken cancellationToken = default)
    {
        var expired = await requests.ExpireAsync(time.NowMs(), cancellationToken);
        foreach (var request in expired)
        {
            await NotifyAdminAsync(request, request.Reason);
        }

        return expired.Count;
    }

    /// <summary>A request to an online device reaches all its connections; whichever answers first wins.</summary>
    private Task DeliverAsync(ConnectRequestRecord r) => hub.Clients.Group(GroupNames.Client(r.Org, r.ClientId)).ConnectRequest(ToEvent(r));

    private static ConnectRequestEvent ToEvent(ConnectRequestRecord r) =>
        new(r.RequestId, r.AdminId, r.AdminName, r.OfferData, r.Priority, r.CreatedAt, r.WasQueued);

    private async Task NotifyAdminAsync(ConnectRequestRecord r, string? reason)
    {
        var at = r.AnsweredAt ?? time.NowMs();
        await hub.Clients.Group(GroupNames.Admin(r.Org, r.AdminId))
            .ConnectRequestUpdated(new ConnectRequestUpdatedEvent(r.RequestId, r.ClientId, r.Status, r.AnswerData, reason, at));
        // Outcomes wait for an admin who is away; "delivered" is progress, not an outcome.
        if (r.Status is ConnectRequestStatus.Accepted or ConnectRequestStatus.Declined or ConnectRequestStatus.Expired)
        {
            await inbox.KeepForAbsentAsync(r.Org, r.AdminId,
                new Notification(NotificationType.RequestUpdated, at, r.ClientId, r.RequestId, r.Status, reason));
        }
    }
}
