using System.Diagnostics;
using System.Net.WebSockets;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

/// <summary>
/// <c>Signaling:Hub:KeepAliveInterval</c> and <c>ClientTimeoutInterval</c>, as a client on the wire
/// sees them: the server's pings, and the moment it gives up on a client that says nothing.
/// </summary>
public sealed class HubKeepAliveTests
{
    private const int PingMessage = 6;
    private const int CloseMessage = 7;
    private const char RecordSeparator = '\u001e';

    [Fact]
    public async Task The_server_pings_a_quiet_connection_at_the_configured_interval()
    {
        using var app = Start(keepAlive: "2", timeout: "60");
        using var client = await RawHubClient.ConnectAsync(app, Tokens.Create("quiet"));

        var clock = Stopwatch.StartNew();
        var gaps = new List<TimeSpan>();
        while (gaps.Count < 3)
        {
            var message = await client.ReceiveMessageAsync();
            Assert.Equal(PingMessage, message.GetProperty("type").GetInt32());
            gaps.Add(clock.Elapsed);
            clock.Restart();
        }

        // SignalR checks its connections once a second, so a ping may come up to a second late;
        // the default interval (15 s) is far outside this band.
        Assert.All(gaps, gap => Assert.InRange(gap, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(6)));
    }

    /// <summary>
    /// SignalR starts a connection's timeout at its first ping, which Microsoft's clients send on
    /// their own keep-alive: this client pings once, as they do, and then its network goes quiet.
    /// </summary>
    [Fact]
    public async Task A_client_that_goes_quiet_is_dropped_after_the_configured_timeout()
    {
        using var app = Start(keepAlive: "1", timeout: "3");
        using var client = await RawHubClient.ConnectAsync(app, Tokens.Create("goes-quiet"));
        await client.SendRawAsync("""{"type":6}""" + RecordSeparator);
        var clock = Stopwatch.StartNew();

        try
        {
            while ((await client.ReceiveMessageAsync()).GetProperty("type").GetInt32() != CloseMessage)
            {
                // The server's own pings: it keeps talking while it waits to hear from the client.
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "still connected 10 s after the client went quiet");
            }
        }
        catch (WebSocketException)
        {
            // Closed without a close message: dropped all the same.
        }

        // The server checks once a second, so the drop may come up to a second after the timeout.
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(10));
    }

    public static TheoryData<string, string, string> BadTimings => new()
    {
        { "10", "15", "Signaling:Hub:ClientTimeoutInterval (00:00:10) must be at least twice Signaling:Hub:KeepAliveInterval (00:00:15): e.g. 00:00:30" },
        { "30", "0", "Signaling:Hub:KeepAliveInterval must be at least 1 second" },
        { "soon", "15", "Signaling:Hub:ClientTimeoutInterval" },
    };

    [Theory]
    [MemberData(nameof(BadTimings))]
    public void Timings_that_would_drop_healthy_clients_fail_the_start_naming_the_key(string timeout, string keepAlive, string expected) =>
        Assert.Contains(expected, ProblemAssert.StartFailure(Settings(keepAlive, timeout)), StringComparison.Ordinal);

    private static SignalingApplication Start(string keepAlive, string timeout) => new(Settings(keepAlive, timeout));

    private static Dictionary<string, string?> Settings(string keepAlive, string timeout) => new()
    {
        ["Signaling:Hub:KeepAliveInterval"] = keepAlive,
        ["Signaling:Hub:ClientTimeoutInterval"] = timeout,
    };
}
