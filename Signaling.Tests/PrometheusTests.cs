using System.Net;
using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

public sealed class PrometheusTests
{
    private const string Enabled = "Signaling:Telemetry:Prometheus:Enabled";
    private const string AllowedNetworks = "Signaling:Telemetry:Prometheus:AllowedNetworks";
    private const string ScrapeToken = "Signaling:Telemetry:Prometheus:ScrapeToken";
    private const string Token = "0123456789abcdef0123456789abcdef-scrape";

    [Fact]
    public async Task A_real_prometheus_scrapes_the_relayed_message_counter()
    {
        // Token only, no network: Prometheus gets in with the authorization block the README shows.
        await using var service = await SignalingProcess.StartAsync(new Dictionary<string, string?>
        {
            [Enabled] = "true",
            [$"{AllowedNetworks}:0"] = "",
            [ScrapeToken] = Token,
        });
        await using var prometheus = await PrometheusServer.StartAsync(service.BaseAddress, Token);

        await using var alice = await service.JoinAsync("alice", "scraped");
        await using var bob = await service.JoinAsync("bob", "scraped");
        for (var i = 0; i < 3; i++)
        {
            await alice.Client.Offer(new SdpMessage("scraped", "bob", $"v=0 {i}"));
        }

        await bob.Client.Answer(new SdpMessage("scraped", "alice", "v=0 answer"));
        await alice.Client.IceCandidate(new IceCandidateMessage("scraped", "bob", new IceCandidateInit("candidate:1 1 udp 1 127.0.0.1 9 typ host", "0", 0)));
        await alice.Client.IceCandidate(new IceCandidateMessage("scraped", "bob", null));
        await bob.Next<RelayedIceCandidate>(nameof(ISignalingClient.IceCandidate), c => c.Candidate is null);

        var relayed = await Eventually.Until(
            () => prometheus.QueryAsync("signaling_messages_relayed_total"),
            series => series.Sum(s => s.Value) == 6,
            TimeSpan.FromSeconds(30),
            "six relays in Prometheus");
        Assert.Equal(new Dictionary<string, double> { ["offer"] = 3, ["answer"] = 1, ["candidate"] = 2 }, relayed.ToDictionary(s => s.Labels["kind"], s => s.Value));
        Assert.All(relayed, s => Assert.Equal("signaling", s.Labels["job"]));
    }

    [Fact]
    public async Task Metrics_is_not_served_unless_enabled()
    {
        using var app = new SignalingApplication();
        using var http = app.CreateHttpClient();

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("/metrics", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Metrics_answers_loopback_by_default_in_prometheus_text_format()
    {
        using var app = new SignalingApplication(new Dictionary<string, string?> { [Enabled] = "true" });
        using var http = app.CreateHttpClient();

        using var response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        // The resource: the service name every series of this instance is known by.
        Assert.Contains("\ntarget_info{service_name=\"signaling\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_refuses_a_connection_from_outside_the_allowed_networks_whatever_X_Forwarded_For_says()
    {
        using var app = new SignalingApplication(new Dictionary<string, string?>
        {
            [Enabled] = "true",
            [$"{AllowedNetworks}:0"] = "10.0.0.0/8",
            // What README's load-balancer section suggests: the app then takes client addresses from the header.
            ["FORWARDEDHEADERS_ENABLED"] = "true",
        });
        using var http = app.CreateHttpClient();

        await ProblemAssert.Code(await http.GetAsync(new Uri("/metrics", UriKind.Relative)), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, new Uri("/metrics", UriKind.Relative));
        spoofed.Headers.Add("X-Forwarded-For", "10.1.2.3");
        await ProblemAssert.Code(await http.SendAsync(spoofed), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
    }

    [Fact]
    public async Task Metrics_answers_any_address_that_sends_the_scrape_token_and_asks_the_others_for_it()
    {
        using var app = new SignalingApplication(new Dictionary<string, string?>
        {
            [Enabled] = "true",
            [$"{AllowedNetworks}:0"] = "10.0.0.0/8",
            [ScrapeToken] = Token,
        });
        using var anonymous = app.CreateHttpClient();
        using var wrong = app.CreateHttpClient(Token + "x");
        using var scraper = app.CreateHttpClient(Token);
        var metrics = new Uri("/metrics", UriKind.Relative);

        using var refused = await anonymous.GetAsync(metrics);
        Assert.Equal("Bearer", Assert.Single(refused.Headers.WwwAuthenticate).Scheme);
        await ProblemAssert.Code(refused, HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);
        await ProblemAssert.Code(await wrong.GetAsync(metrics), HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await scraper.GetAsync(metrics)).StatusCode);
    }

    public static TheoryData<string, string, string, string> BadSettings => new()
    {
        { $"{AllowedNetworks}:0", "10.0.0.0/33", $"{AllowedNetworks}:0", "10.0.0.0/8" },
        { $"{AllowedNetworks}:1", "10.1.2.3/8", $"{AllowedNetworks}:1", "10.0.0.0/8" },
        { $"{AllowedNetworks}:0", "office", $"{AllowedNetworks}:0", "10.0.0.0/8" },
        { ScrapeToken, "short", ScrapeToken, "openssl rand -hex 32" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_setting_fails_start_naming_the_key_and_a_valid_value(string key, string value, string named, string example)
    {
        var settings = new Dictionary<string, string?> { [Enabled] = "true", [$"{AllowedNetworks}:0"] = "127.0.0.0/8", [key] = value };

        var messages = ProblemAssert.Messages(Assert.ThrowsAny<Exception>(() => new SignalingApplication(settings)));

        Assert.Contains(named, messages, StringComparison.Ordinal);
        Assert.Contains(example, messages, StringComparison.Ordinal);
    }

    [Fact]
    public void Enabling_metrics_that_nobody_may_scrape_fails_start()
    {
        var messages = ProblemAssert.Messages(Assert.ThrowsAny<Exception>(() => new SignalingApplication(
            new Dictionary<string, string?> { [Enabled] = "true", [$"{AllowedNetworks}:0"] = "" })));

        Assert.Contains(ScrapeToken, messages, StringComparison.Ordinal);
    }
}
