using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Signaling.Contracts;
using Signaling.Contracts.Admin;
using Signaling.Contracts.Http;
using Signaling.Hub.Admin;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

public sealed class AdminApiTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly SignalingApplication _app;

    public AdminApiTests() => _app = new SignalingApplication(time: _time);

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public async Task Analytics_match_the_outcomes_produced()
    {
        await using var admin = await _app.ConnectAsync(Tokens.Create("agent", roles: ["admin"], org: "acme"));
        await using var device = await _app.ConnectAsync(Tokens.Create("device", roles: ["client"], org: "acme"));

        async Task Answer(int afterSeconds, bool accepted)
        {
            var sent = await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", Json("{}")));
            await device.Next<ConnectRequestEvent>(nameof(ISignalingClient.ConnectRequest));
            _time.Advance(TimeSpan.FromSeconds(afterSeconds));
            await device.Client.RespondToConnectRequest(new RespondToConnectRequestArgs(sent.RequestId, accepted));
        }

        await Answer(2, true);
        await Answer(4, true);
        await Answer(6, false);
        var cancelled = await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", Json("{}")));
        await admin.Client.CancelConnectRequest(cancelled.RequestId);
        await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", Json("{}"), TtlSeconds: 30));
        _time.Advance(TimeSpan.FromSeconds(31));
        await _app.Services.GetRequiredService<ConnectRequestService>().ExpireAsync();

        using var http = _app.CreateHttpClient(Tokens.Create("agent", roles: ["admin"], org: "acme"));
        var report = (await http.GetFromJsonAsync<AnalyticsReport>("/api/admin/analytics"))!;
        Assert.Equal(5, report.Total);
        Assert.Equal(2, report.ByStatus[ConnectRequestStatus.Accepted]);
        Assert.Equal(1, report.ByStatus[ConnectRequestStatus.Declined]);
        Assert.Equal(1, report.ByStatus[ConnectRequestStatus.Cancelled]);
        Assert.Equal(1, report.ByStatus[ConnectRequestStatus.Expired]);
        Assert.Equal(0.4, report.SuccessRate, 6);
        Assert.Equal(4000, report.MedianTimeToAnswerMs);

        var listed = (await http.GetFromJsonAsync<ConnectRequestSummary[]>("/api/admin/connect-requests"))!;
        Assert.Equal(5, listed.Length);
        Assert.Equal(ConnectRequestStatus.Expired, listed[0].Status);

        using var otherOrg = _app.CreateHttpClient(Tokens.Create("boss", roles: ["admin"], org: "globex"));
        Assert.Equal(0, (await otherOrg.GetFromJsonAsync<AnalyticsReport>("/api/admin/analytics"))!.Total);
        Assert.Empty((await otherOrg.GetFromJsonAsync<ConnectRequestSummary[]>("/api/admin/connect-requests"))!);
    }

    [Fact]
    public async Task The_http_routes_queue_and_cancel_like_the_hub()
    {
        var device = await _app.ConnectAsync(Tokens.Create("device", roles: ["client"], org: "acme"));
        await using var watcher = await _app.ConnectAsync(Tokens.Create("agent", roles: ["admin"], org: "acme"));
        await device.DisposeAsync();
        await watcher.Next<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged), e => e.Status == ClientStatus.Offline);

        using var http = _app.CreateHttpClient(Tokens.Create("agent", roles: ["admin"], org: "acme"));
        var created = await http.PostAsJsonAsync("/api/admin/clients/device/connect-requests", new CreateConnectRequestBody(Json("\"hi\""), ConnectPriority.Urgent));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var result = (await created.Content.ReadFromJsonAsync<ConnectRequestResult>())!;
        Assert.Equal((ConnectDispatchStatus.Queued, 1), (result.Status, result.QueuePosition));
        Assert.Equal(1, Assert.Single((await http.GetFromJsonAsync<ClientSummary[]>("/api/admin/clients"))!).PendingRequests);

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/admin/connect-requests/{result.RequestId}")).StatusCode);
        Assert.Equal(ConnectRequestStatus.Cancelled, (await watcher.Next<ConnectRequestUpdatedEvent>(nameof(ISignalingClient.ConnectRequestUpdated))).Status);
        await ProblemAssert.Code(await http.DeleteAsync($"/api/admin/connect-requests/{result.RequestId}"), HttpStatusCode.NotFound, ErrorCodes.RequestNotFound);

        var history = (await http.GetFromJsonAsync<ClientHistory>("/api/admin/clients/device/history"))!;
        Assert.Equal(ClientHistoryEventType.RequestCancelled, history.Events[^1].Type);

        using var otherOrg = _app.CreateHttpClient(Tokens.Create("boss", roles: ["admin"], org: "globex"));
        await ProblemAssert.Code(await otherOrg.GetAsync("/api/admin/clients/device/history"), HttpStatusCode.NotFound, ErrorCodes.ClientNotFound);
        await ProblemAssert.Code(await otherOrg.PostAsJsonAsync("/api/admin/clients/device/connect-requests", new CreateConnectRequestBody(Json("{}"))), HttpStatusCode.NotFound, ErrorCodes.ClientNotFound);
        Assert.Empty((await otherOrg.GetFromJsonAsync<ClientSummary[]>("/api/admin/clients"))!);
    }

    [Theory]
    [InlineData("GET", "/api/admin/clients")]
    [InlineData("GET", "/api/admin/clients/device/history")]
    [InlineData("POST", "/api/admin/clients/device/connect-requests")]
    [InlineData("DELETE", "/api/admin/connect-requests/q-1")]
    [InlineData("GET", "/api/admin/connect-requests")]
    [InlineData("GET", "/api/admin/analytics")]
    public async Task Non_admins_are_forbidden_on_every_admin_route(string method, string path)
    {
        using var http = _app.CreateHttpClient(Tokens.Create("device", roles: ["client"], org: "acme"));
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = JsonContent.Create(new CreateConnectRequestBody(Json("{}")));
        }

        await ProblemAssert.Code(await http.SendAsync(request), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
    }


    public void Dispose() => _app.Dispose();
}
