using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using Signaling.Contracts.Http;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

public sealed class OperationsTests
{
    [Fact]
    public async Task The_root_names_the_service_its_version_and_its_operations_routes_and_each_link_answers()
    {
        using var app = new SignalingApplication();
        using var http = app.CreateHttpClient();
        var root = (await http.GetFromJsonAsync<ServiceDocument>("/"))!;

        Assert.Equal("Signaling", root.Name);
        Assert.False(string.IsNullOrWhiteSpace(root.Version));
        foreach (var link in new[] { root.Links.Health, root.Links.Live, root.Links.Ready, root.Links.Stats, root.Links.OpenApi })
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(link)).StatusCode);
        }

        Assert.Equal("/hubs/signaling", root.Links.Hub);
        // Development serves the sample pages, and the root leads to them.
        var samples = Assert.IsAssignableFrom<IReadOnlyDictionary<string, string>>(root.Links.Samples);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(samples["browser-call"])).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(samples["admin-dashboard"])).StatusCode);
    }

    [Fact]
    public async Task Outside_development_the_root_lists_no_samples()
    {
        using var app = new SignalingApplication(environment: "Production");
        var root = (await app.CreateHttpClient().GetFromJsonAsync<ServiceDocument>("/"))!;
        Assert.Null(root.Links.Samples);
        Assert.Equal("/health", root.Links.Health);
    }

    [Fact]
    public async Task Health_reports_status_version_uptime_memory_connections_and_rooms_of_this_instance()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var app = new SignalingApplication(time: time);
        using var http = app.CreateHttpClient();
        await using var alice = await app.JoinAsync("alice", "health-room");
        await using var bob = await app.JoinAsync("bob", "health-room");
        await using var idle = await app.ConnectAsync(Tokens.Create("carol"));
        time.Advance(TimeSpan.FromMinutes(90));

        var response = await http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("no-store", response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        var health = (await response.Content.ReadFromJsonAsync<HealthSummary>())!;
        Assert.Equal(ServiceHealth.Healthy, health.Status);
        Assert.Equal((await http.GetFromJsonAsync<ServiceDocument>("/"))!.Version, health.Version);
        Assert.Equal(90 * 60, health.UptimeSeconds);
        Assert.InRange(health.Memory.RssBytes, 1, long.MaxValue);
        Assert.InRange(health.Memory.ManagedBytes, 1, health.Memory.RssBytes);
        Assert.Equal((3L, 1L), (health.Connections, health.Rooms));
        Assert.Contains("\"status\":\"healthy\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_answers_503_with_its_figures_while_a_dependency_is_down_and_the_probes_keep_their_shape()
    {
        // Nothing listens on this port: the store and backplane cannot be reached.
        using var app = new SignalingApplication(new Dictionary<string, string?>
        {
            ["Signaling:Storage:Provider"] = "Redis",
            ["Signaling:Redis:ConnectionString"] = $"127.0.0.1:{RedisServer.FreePort()},connectTimeout=500",
        });
        using var http = app.CreateHttpClient();

        var response = await http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var health = (await response.Content.ReadFromJsonAsync<HealthSummary>())!;
        Assert.Equal((ServiceHealth.Unhealthy, 0L, 0L), (health.Status, health.Connections, health.Rooms));
        Assert.Equal("Unhealthy", await (await http.GetAsync("/health/ready")).Content.ReadAsStringAsync());
        Assert.Equal("Healthy", await (await http.GetAsync("/health/live")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Stats_uptime_counts_from_the_start_of_the_process_not_from_the_first_stats_request()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var app = new SignalingApplication(time: time);
        time.Advance(TimeSpan.FromHours(1));

        var stats = (await app.CreateHttpClient().GetFromJsonAsync<StatsSnapshot>("/api/stats"))!;
        Assert.Equal(3600, stats.UptimeSeconds);
    }
}
