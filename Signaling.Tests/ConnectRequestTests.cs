using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Signaling.Contracts;
using Signaling.Contracts.Admin;
using Signaling.Hub.Admin;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

public sealed class ConnectRequestTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly SignalingApplication _app;

    public ConnectRequestTests() => _app = new SignalingApplication(new Dictionary<string, string?> { ["Signaling:Queue:MaxPerClient"] = "5" }, time: _time);

    private Task<TestPeer> Admin(string sub = "agent", string org = "acme") => _app.ConnectAsync(Tokens.Create(sub, name: "Agent Smith", roles: ["admin"], org: org));

    private Task<TestPeer> Device(string sub = "device", string org = "acme") => _app.ConnectAsync(Tokens.Create(sub, roles: ["client"], org: org));

    private Task KnownOfflineDevice(TestPeer admin, string sub = "device") => _app.RegisterOfflineDeviceAsync(admin, sub);

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public async Task An_online_client_gets_the_request_at_once_and_its_answer_reaches_the_admin()
    {
        await using var admin = await Admin();
        await using var device = await Device();

        var result = await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", Json("""{"sdp":"v=0","kind":"support"}"""), ConnectPriority.High));
        Assert.Equal(ConnectDispatchStatus.Sent, result.Status);
        var request = await device.Next<ConnectRequestEvent>(nameof(ISignalingClient.ConnectRequest));
        Assert.Equal((result.RequestId, "agent", "Agent Smith", ConnectPriority.High, false), (request.RequestId, request.AdminId, request.AdminName, request.Priority, request.WasQueued));
        Assert.Equal("support", request.OfferData.GetProperty("kind").GetString());

        await device.Client.RespondToConnectRequest(new RespondToConnectRequestArgs(request.RequestId, true, Json("\"answer-sdp\"")));
        var update = await admin.Next<ConnectRequestUpdatedEvent>(nameof(ISignalingClient.ConnectRequestUpdated));
        Assert.Equal((result.RequestId, "device", ConnectRequestStatus.Accepted), (update.RequestId, update.ClientId, update.Status));
        Assert.Equal("answer-sdp", update.AnswerData!.Value.GetString());

        // Answered once; a second answer finds no open request.
        await ErrorAssert.Code(ErrorCodes.RequestNotFound, () => device.Client.RespondToConnectRequest(new RespondToConnectRequestArgs(request.RequestId, false)));
    }

    [Fact]
    public async Task Queued_requests_arrive_by_priority_then_age_when_the_client_comes_online()
    {
        await using var admin = await Admin();
        await KnownOfflineDevice(admin);

        var sent = new List<(string Label, ConnectRequestResult Result)>();
        foreach (var (label, priority) in new[] { ("low", ConnectPriority.Low), ("high-1", ConnectPriority.High), ("normal", ConnectPriority.Normal), ("urgent", ConnectPriority.Urgent), ("high-2", ConnectPriority.High) })
        {
            var result = await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", Json($"\"{label}\""), priority));
            Assert.Equal(ConnectDispatchStatus.Queued, result.Status);
            sent.Add((label, result));
            _time.Advance(TimeSpan.FromMilliseconds(5));
        }

        Assert.Equal([1, 1, 2, 1, 3], sent.Select(s => s.Result.QueuePosition!.Value));
        Assert.Equal(5, (await admin.Client.GetClients()).Single().PendingRequests);

        await using var device = await Device();
        var received = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var request = await device.Next<ConnectRequestEvent>(nameof(ISignalingClient.ConnectRequest));
            Assert.True(request.WasQueued);
            received.Add(request.OfferData.GetString()!);
        }

        Assert.Equal(["urgent", "high-1", "high-2", "normal", "low"], received);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(ConnectRequestStatus.Delivered, (await admin.Next<ConnectRequestUpdatedEvent>(nameof(ISignalingClient.ConnectRequestUpdated))).Status);
        }

        Assert.Equal(0, (await admin.Client.GetClients()).Single().PendingRequests);
    }

    [Fact]
    public async Task Cancelled_and_expired_requests_are_never_delivered()
    {
        await using var admin = await Admin();
        await KnownOfflineDevice(admin);
        var cancelled = await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", Json("\"cancel me\""), ConnectPriority.Urgent));
        var expiring = await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", Json("\"expire me\""), ConnectPriority.Urgent, TtlSeconds: 60));

        await admin.Client.CancelConnectRequest(cancelled.RequestId);
        Assert.Equal(ConnectRequestStatus.Cancelled, (await admin.Next<ConnectRequestUpdatedEvent>(nameof(ISignalingClient.ConnectRequestUpdated))).Status);
        await ErrorAssert.Code(ErrorCodes.RequestNotFound, () => admin.Client.CancelConnectRequest(cancelled.RequestId));

        _time.Advance(TimeSpan.FromSeconds(61));
        await _app.Services.GetRequiredService<ConnectRequestService>().ExpireAsync();
        var expired = await admin.Next<ConnectRequestUpdatedEvent>(nameof(ISignalingClient.ConnectRequestUpdated), e => e.RequestId == expiring.RequestId);
        Assert.Equal(ConnectRequestStatus.Expired, expired.Status);

        var control = await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", Json("\"control\""), ConnectPriority.Low));
        await using var device = await Device();
        // The lowest-priority control is the first thing the device sees: the urgent ones are gone.
        Assert.Equal(control.RequestId, (await device.Next<ConnectRequestEvent>(nameof(ISignalingClient.ConnectRequest))).RequestId);

        var history = await admin.Client.GetClientHistory("device");
        Assert.Contains(history.Events, e => e.Type == ClientHistoryEventType.RequestCancelled && e.RequestId == cancelled.RequestId);
        Assert.Contains(history.Events, e => e.Type == ClientHistoryEventType.RequestExpired && e.RequestId == expiring.RequestId);
    }

    [Fact]
    public async Task A_full_queue_refuses_more_requests()
    {
        await using var admin = await Admin();
        await KnownOfflineDevice(admin);
        for (var i = 0; i < 5; i++)
        {
            await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", Json("{}")));
        }

        await ErrorAssert.Code(ErrorCodes.QueueFull, () => admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", Json("{}"))));
    }

    [Fact]
    public async Task A_declined_request_tells_the_admin_why()
    {
        await using var admin = await Admin();
        await using var device = await Device();
        var result = await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", Json("{}")));
        await device.Next<ConnectRequestEvent>(nameof(ISignalingClient.ConnectRequest));
        await device.Client.RespondToConnectRequest(new RespondToConnectRequestArgs(result.RequestId, false, Reason: "in a meeting"));
        var update = await admin.Next<ConnectRequestUpdatedEvent>(nameof(ISignalingClient.ConnectRequestUpdated));
        Assert.Equal((ConnectRequestStatus.Declined, "in a meeting"), (update.Status, update.Reason));
    }

    [Fact]
    public async Task A_queued_request_is_delivered_exactly_once_when_one_identity_connects_twice_at_once()
    {
        await using var admin = await Admin();
        await KnownOfflineDevice(admin);
        for (var i = 0; i < 5; i++)
        {
            await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", Json($"{i}")));
        }

        var both = await Task.WhenAll(Device(), Device());
        await using var first = both[0];
        await using var second = both[1];
        for (var i = 0; i < 5; i++)
        {
            await admin.Next<ConnectRequestUpdatedEvent>(nameof(ISignalingClient.ConnectRequestUpdated), e => e.Status == ConnectRequestStatus.Delivered);
        }

        // A request sent now reaches both connections: after it, nothing else may be pending.
        await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", Json("\"marker\"")));
        var seen = new List<ConnectRequestEvent>();
        foreach (var device in both)
        {
            ConnectRequestEvent e;
            do
            {
                e = await device.Next<ConnectRequestEvent>(nameof(ISignalingClient.ConnectRequest));
                seen.Add(e);
            }
            while (e.OfferData.ValueKind != JsonValueKind.String);
        }

        var queued = seen.Where(e => e.WasQueued).Select(e => e.RequestId).ToList();
        Assert.Equal(5, queued.Count);
        Assert.Equal(5, queued.Distinct().Count());
    }

    [Fact]
    public async Task Requests_and_answers_stay_within_the_org_and_the_roles()
    {
        await using var admin = await Admin();
        await using var device = await Device();
        await using var otherAdmin = await Admin("other-agent", "globex");
        await using var colleague = await Admin("colleague", "acme");
        await using var otherDevice = await Device("intruder-device");

        await ErrorAssert.Code(ErrorCodes.ClientNotFound, () => otherAdmin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", Json("{}"))));
        var result = await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", Json("{}")));
        await ErrorAssert.Code(ErrorCodes.RequestNotFound, () => colleague.Client.CancelConnectRequest(result.RequestId));
        await ErrorAssert.Code(ErrorCodes.RequestNotFound, () => otherDevice.Client.RespondToConnectRequest(new RespondToConnectRequestArgs(result.RequestId, true)));
        await ErrorAssert.Code(ErrorCodes.Forbidden, () => device.Client.AdminConnectRequest(new AdminConnectRequestArgs("intruder-device", Json("{}"))));
        await ErrorAssert.Code(ErrorCodes.Forbidden, () => device.Client.CancelConnectRequest(result.RequestId));
        await ErrorAssert.Code(ErrorCodes.InvalidArgument, () => admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", Json("{}"), TtlSeconds: 0)));
        var big = new string('x', 70_000);
        await ErrorAssert.Code(ErrorCodes.PayloadTooLarge, () => admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", Json($"\"{big}\""))));

        // The device still answers its real request, and only its admin hears it.
        await device.Next<ConnectRequestEvent>(nameof(ISignalingClient.ConnectRequest));
        await device.Client.RespondToConnectRequest(new RespondToConnectRequestArgs(result.RequestId, true));
        Assert.Equal(ConnectRequestStatus.Accepted, (await admin.Next<ConnectRequestUpdatedEvent>(nameof(ISignalingClient.ConnectRequestUpdated))).Status);
        Assert.Empty(colleague.Pending(nameof(ISignalingClient.ConnectRequestUpdated)));
    }

    public void Dispose() => _app.Dispose();
}
