using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;

namespace Signaling.Bench;

/// <summary>What one restarted client went through, in Unix milliseconds.</summary>
public sealed class StormRecord
{
    public double ClosedAt { get; set; }

    /// <summary>When JoinRoom answered on the new process; null when the client gave up.</summary>
    public double? RejoinedAt { get; set; }

    public int Attempts { get; set; }

    /// <summary>One entry per failed attempt: its number (1-based) and why, e.g. "1 refused".</summary>
    public List<string> Failures { get; set; } = [];

    /// <summary>The successful attempt: when it began, and how long its negotiate, WebSocket + handshake and JoinRoom took (ms).</summary>
    public double AttemptStart { get; set; }

    public double NegotiateMs { get; set; }

    public double ConnectMs { get; set; }

    public double JoinMs { get; set; }
}

/// <summary>
/// One member of a room, connecting as @microsoft/signalr does (negotiate POST with the bearer
/// token, then the WebSocket with the connection token, then the handshake) and joining its room;
/// when its connection closes it retries on withAutomaticReconnect()'s default schedule.
/// </summary>
internal sealed class StormClient(Uri baseUrl, string peerId, string roomId, string token, HttpClient http, double jitter)
{
    // DefaultReconnectPolicy in @microsoft/signalr: these delays, then it gives up.
    private static readonly int[] RetryDelaysMs = [0, 2000, 10000, 30000];

    private readonly RunCounters counters = new();
    private SignalRPeer? peer;

    public string PeerId => peerId;

    /// <summary>The first connection, before the storm: retried a few times, since only the storm is measured.</summary>
    public async Task ConnectAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await AttemptAsync(new StormRecord(), limit.Token);
                return;
            }
            catch (Exception e) when (attempt < 5 && e is HttpRequestException or WebSocketException or InvalidOperationException or OperationCanceledException or TimeoutException or JsonException)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt));
            }
        }
    }

    /// <summary>Waits for the connection to close, then reconnects and rejoins or gives up.</summary>
    public async Task<StormRecord> RideOutAsync()
    {
        await peer!.Closed;
        var record = new StormRecord { ClosedAt = StormClock.Now };
        // The old socket is already gone; its loops only need to be let go.
        _ = peer.DisposeAsync().AsTask();
        for (var k = 0; k < RetryDelaysMs.Length; k++)
        {
            var delay = RetryDelaysMs[k] * (1 + (jitter * ((2 * Random.Shared.NextDouble()) - 1)));
            if (delay > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(delay));
            }

            record.Attempts++;
            try
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await AttemptAsync(record, limit.Token);
                record.RejoinedAt = StormClock.Now;
                return record;
            }
            catch (Exception e) when (e is HttpRequestException or WebSocketException or InvalidOperationException or OperationCanceledException or TimeoutException or JsonException)
            {
                record.Failures.Add($"{record.Attempts} {Reason(e)}");
            }
        }

        return record;
    }

    /// <summary>True while the connection is up (for the clients of the instance that is not restarted).</summary>
    public bool IsConnected => peer is { Closed.IsCompleted: false };

    public async Task DisposeAsync()
    {
        if (peer is not null)
        {
            await peer.DisposeAsync();
        }
    }

    private async Task AttemptAsync(StormRecord record, CancellationToken cancellationToken)
    {
        record.AttemptStart = StormClock.Now;
        string connectionToken;
        using (var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, "/hubs/signaling/negotiate?negotiateVersion=1")))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            // Each client is its own browser: its negotiate gets a connection of its own, not a pooled one.
            request.Headers.ConnectionClose = true;
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"negotiate {(int)response.StatusCode}", null, response.StatusCode);
            }

            using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            connectionToken = body.RootElement.GetProperty("connectionToken").GetString()!;
        }

        var negotiated = StormClock.Now;
        record.NegotiateMs = negotiated - record.AttemptStart;
        var scheme = baseUrl.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        var hub = new Uri($"{scheme}://{baseUrl.Authority}/hubs/signaling?id={Uri.EscapeDataString(connectionToken)}&access_token={Uri.EscapeDataString(token)}");
        var next = new SignalRPeer(peerId, ConnectShard.IdleHandler.Instance, counters, noAck: false, HubFormat.For("json"));
        try
        {
            await next.StartAsync(hub, cancellationToken);
            var connected = StormClock.Now;
            record.ConnectMs = connected - negotiated;
            await next.JoinAsync(roomId, cancellationToken);
            record.JoinMs = StormClock.Now - connected;
        }
        catch
        {
            await next.DisposeAsync();
            throw;
        }

        peer = next;
    }

    private static string Reason(Exception e) => e switch
    {
        HttpRequestException { StatusCode: { } status } => $"negotiate {(int)status}",
        HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } => "negotiate refused",
        HttpRequestException => "negotiate failed",
        WebSocketException { InnerException: HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } } => "websocket refused",
        WebSocketException => "websocket failed",
        OperationCanceledException or TimeoutException => "timeout",
        InvalidOperationException when e.Message.StartsWith("JoinRoom", StringComparison.Ordinal) => "join refused",
        _ => "handshake failed",
    };
}

internal static class StormClock
{
    /// <summary>Unix time in ms with sub-ms precision: comparable across the generator processes and the script's <c>date +%s%3N</c>.</summary>
    public static double Now => (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;

    public static HttpClient NegotiateClient() => new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(15),
        PooledConnectionLifetime = TimeSpan.Zero,
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestVersion = HttpVersion.Version11,
    };
}
