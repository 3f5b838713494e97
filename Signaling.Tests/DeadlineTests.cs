using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Signaling.Contracts;
using Signaling.Contracts.Admin;
using Signaling.Contracts.Http;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

/// <summary>
/// Connect-request TTLs take effect when they run out, not at the next periodic sweep (30 s
/// apart), and thousands pending expire each on time. Room deadlines: see <see cref="RoomsApiTests"/>.
/// </summary>
public sealed class DeadlineTests : IDisposable
{
    private static readonly JsonElement Offer = JsonDocument.Parse("""{"sdp":"v=0"}""").RootElement.Clone();

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly SignalingApplication _app;

    // One admin connection sends thousands of requests at once below.
    public DeadlineTests() => _app = new SignalingApplication(new Dictionary<string, string?> { ["Signaling:RateLimits:HubBurst"] = "10000" }, time: _time);

    private static string AdminToken => Tokens.Create("agent", roles: ["admin"], org: "acme");

    private void SetTime(long unixMs) => _time.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(unixMs));

    [Fact]
    public async Task A_queued_request_expires_when_its_ttl_runs_out_and_not_before()
    {
        await using var admin = await _app.ConnectAsync(AdminToken);
        await _app.RegisterOfflineDeviceAsync(admin, "device");
        var sent = await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", Offer, TtlSeconds: 5));
        using var http = _app.CreateHttpClient(AdminToken);
        var deadline = (await http.GetFromJsonAsync<ConnectRequestSummary[]>("/api/admin/connect-requests"))!.Single().ExpiresAt;

        SetTime(deadline - 1);
        Assert.Equal(ConnectRequestStatus.Queued, (await http.GetFromJsonAsync<ConnectRequestSummary[]>("/api/admin/connect-requests"))!.Single().Status);

        SetTime(deadline + 1);
        var expired = await admin.Next<ConnectRequestUpdatedEvent>(nameof(ISignalingClient.ConnectRequestUpdated), e => e.RequestId == sent.RequestId);
        Assert.Equal(ConnectRequestStatus.Expired, expired.Status);
        Assert.InRange(expired.At, deadline, deadline + 1);
    }

    [Fact]
    public async Task Five_thousand_queued_requests_with_spread_deadlines_each_expire_on_time()
    {
        const int devices = 50, perDevice = 100;
        await using var admin = await _app.ConnectAsync(AdminToken);
        var ids = Enumerable.Range(0, devices).Select(d => $"device-{d}").ToArray();
        foreach (var id in ids)
        {
            await _app.RegisterOfflineDeviceAsync(admin, id);
        }

        // TTLs from 1 to 60 s, created over half a second: deadlines spread over a minute, many
        // within the same second and some in the same millisecond.
        var deadlines = new Dictionary<string, long>();
        for (var d = 0; d < devices; d++)
        {
            var createdAt = _time.GetUtcNow().ToUnixTimeMilliseconds();
            var ttls = Enumerable.Range(0, perDevice).Select(i => 1 + ((d * perDevice) + i) * 7 % 60).ToArray();
            var sent = await Task.WhenAll(ttls.Select(ttl => admin.Client.AdminConnectRequest(new AdminConnectRequestArgs(ids[d], Offer, TtlSeconds: ttl))));
            for (var i = 0; i < perDevice; i++)
            {
                Assert.Equal(ConnectDispatchStatus.Queued, sent[i].Status);
                deadlines.Add(sent[i].RequestId, createdAt + ttls[i] * 1000L);
            }

            _time.Advance(TimeSpan.FromMilliseconds(10));
        }

        // Second by second: exactly the requests due by then expire, each no earlier than its deadline.
        var expired = new Dictionary<string, long>();
        while (expired.Count < deadlines.Count)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            var due = deadlines.Count(d => d.Value <= now);
            while (expired.Count < due)
            {
                var e = await admin.Next<ConnectRequestUpdatedEvent>(nameof(ISignalingClient.ConnectRequestUpdated));
                Assert.Equal(ConnectRequestStatus.Expired, e.Status);
                Assert.True(expired.TryAdd(e.RequestId, e.At), $"{e.RequestId} expired twice");
                Assert.InRange(e.At, deadlines[e.RequestId], now);
            }
        }

        Assert.Empty(admin.Pending(nameof(ISignalingClient.ConnectRequestUpdated)));
        Assert.All(expired, e => Assert.True(e.Value - deadlines[e.Key] < 1000, $"{e.Key} expired {e.Value - deadlines[e.Key]} ms late"));
    }

    [Fact]
    public async Task In_real_time_a_one_second_ttl_is_reported_expired_within_two_seconds()
    {
        using var app = new SignalingApplication();
        await using var admin = await app.ConnectAsync(AdminToken);
        await app.RegisterOfflineDeviceAsync(admin, "device");

        var clock = Stopwatch.StartNew();
        var sent = await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", Offer, TtlSeconds: 1));
        var expired = await admin.Next<ConnectRequestUpdatedEvent>(nameof(ISignalingClient.ConnectRequestUpdated), e => e.RequestId == sent.RequestId)
            .WaitAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(ConnectRequestStatus.Expired, expired.Status);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"expired after {clock.Elapsed}");
    }

    public void Dispose() => _app.Dispose();
}
