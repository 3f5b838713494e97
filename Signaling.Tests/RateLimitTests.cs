using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Time.Testing;
using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

public sealed class RateLimitTests
{
    [Fact]
    public async Task A_flood_of_hub_calls_is_refused_with_rate_limited_and_the_connection_keeps_working()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var app = new SignalingApplication(new Dictionary<string, string?>
        {
            ["Signaling:RateLimits:HubBurst"] = "50",
            ["Signaling:RateLimits:HubPermitsPerSecond"] = "10",
        }, time: time);
        await using var alice = await app.JoinAsync("alice", "flood");
        await using var bob = await app.JoinAsync("bob", "flood");

        // Fake time stands still, so exactly the burst gets through.
        var calls = Enumerable.Range(0, 1000).Select(async _ =>
        {
            try
            {
                await alice.Client.Ping();
                return "ok";
            }
            catch (HubException ex)
            {
                return ErrorCodes.Parse(ex.Message) ?? ex.Message;
            }
        }).ToList();
        var outcomes = await Task.WhenAll(calls).WaitAsync(Timeouts.Default);
        Assert.Equal(1000, outcomes.Count(o => o is "ok" or ErrorCodes.RateLimited));
        Assert.InRange(outcomes.Count(o => o == "ok"), 1, 49);

        time.Advance(TimeSpan.FromSeconds(10));
        await alice.Client.Offer(new SdpMessage("flood", "bob", "after the flood"));
        Assert.Equal("after the flood", (await bob.Next<RelayedSdp>(nameof(ISignalingClient.Offer))).Sdp);
    }

    [Fact]
    public async Task An_http_flood_gets_429_with_problem_details_but_health_is_never_limited()
    {
        using var app = new SignalingApplication(new Dictionary<string, string?> { ["Signaling:RateLimits:HttpPermitsPerMinute"] = "5" });
        using var http = app.CreateHttpClient(Tokens.Create("alice"));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            statuses.Add((await http.GetAsync("/api/ice-servers")).StatusCode);
        }

        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        var limited = await http.GetAsync("/api/ice-servers");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(ErrorCodes.RateLimited, (await limited.Content.ReadFromJsonAsync<Dictionary<string, object>>())!["code"].ToString());

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        }

        // The hub transport is not an API call either: a client can still connect.
        await using var peer = await app.ConnectAsync(Tokens.Create("bob"));
    }
}
