using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Signaling.Contracts;
using Signaling.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Signaling.Tests.Reliability;

/// <summary>
/// Random hub calls from a fixed seed: every one is answered with success or a documented error
/// code, the sender stays connected, nobody else hears a thing, and the process stays healthy.
/// </summary>
public sealed class HubFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 20261125;
    private const int Calls = 1500;

    private static readonly string[] Methods = typeof(ISignalingHub).GetInterfaces().Append(typeof(ISignalingHub))
        .SelectMany(i => i.GetMethods(BindingFlags.Public | BindingFlags.Instance)).Select(m => m.Name)
        .Concat(["NoSuchMethod", "", "OnConnectedAsync", "Dispose", "joinroom", "$invalidInvocation"]).Distinct().ToArray();

    private static readonly string[] Fields =
    [
        "roomId", "toPeerId", "sdp", "candidate", "sdpMid", "sdpMLineIndex", "mediaState", "audio", "video", "screen", "userData",
        "displayName", "clientId", "offerData", "priority", "ttlSeconds", "requestId", "accepted", "answerData", "reason", "limit",
    ];

    private readonly SignalingApplication _app = new(new Dictionary<string, string?>
    {
        // The fuzzer calls as fast as it can: rate limiting would answer most calls without reaching the code under test.
        ["Signaling:RateLimits:HubPermitsPerSecond"] = "1000000",
        ["Signaling:RateLimits:HubBurst"] = "1000000",
    });

    [Fact]
    public async Task Random_calls_get_success_or_a_documented_code_and_reach_no_one_else()
    {
        await using var bystander = await _app.JoinAsync("bystander", "bystander-room");
        using var fuzzer = await RawHubClient.ConnectAsync(_app, Tokens.Create("fuzzer", roles: ["admin", "client"], org: "fuzz-org"));
        var random = new Random(Seed);
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);

        for (var i = 0; i < Calls; i++)
        {
            var method = Methods[random.Next(Methods.Length)];
            var arguments = Arguments(random);
            JsonElement completion;
            try
            {
                completion = await fuzzer.InvokeRawAsync(method, arguments);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or System.Net.WebSockets.WebSocketException)
            {
                throw new InvalidOperationException($"call {i}: {method}({Truncate(arguments)}) got no answer", ex);
            }

            var outcome = completion.TryGetProperty("error", out var error) ? error.GetString()! : "ok";
            var code = outcome == "ok" ? "ok" : ErrorCodes.Parse(outcome);
            Assert.True(code is not null, $"call {i}: {method}({Truncate(arguments)}) answered without a documented code: {outcome}");
            outcomes[code] = outcomes.GetValueOrDefault(code) + 1;
        }

        output.WriteLine($"seed {Seed}, {Calls} calls: " + string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}")));
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, fuzzer.State);
        Assert.False((await fuzzer.InvokeRawAsync("Ping", "[]")).TryGetProperty("error", out _));
        Assert.Equal(HttpStatusCode.OK, (await _app.CreateHttpClient().GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode);

        // The bystander's room is the only one it is in and nobody else joined it: any event is a leak.
        await bystander.Client.Ping();
        foreach (var name in typeof(ISignalingClient).GetMethods().Select(m => m.Name))
        {
            Assert.Empty(bystander.Pending(name));
        }
    }

    /// <summary>Below the hub's message limit: above it SignalR closes the connection by design (PROTOCOL.md).</summary>
    private static string Arguments(Random random)
    {
        while (true)
        {
            var count = random.Next(0, 4);
            var arguments = "[" + string.Join(",", Enumerable.Range(0, count).Select(_ => Value(random, 0))) + "]";
            if (Encoding.UTF8.GetByteCount(arguments) < ProtocolLimits.MaxHubMessageBytes - 1024)
            {
                return arguments;
            }
        }
    }

    private static string Value(Random random, int depth) => random.Next(14) switch
    {
        0 => "null",
        1 => random.Next(2) == 0 ? "true" : "false",
        2 => random.Next(-5, 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture),
        3 => "1e308",
        4 => JsonSerializer.Serialize(Text(random)),
        5 => Nested(random.Next(1, 200)),
        6 or 7 or 8 or 9 when depth < 4 => "{" + string.Join(",", Enumerable.Range(0, random.Next(0, 6))
            .Select(_ => $"{JsonSerializer.Serialize(Fields[random.Next(Fields.Length)])}:{Value(random, depth + 1)}")) + "}",
        10 when depth < 4 => "[" + string.Join(",", Enumerable.Range(0, random.Next(0, 5)).Select(_ => Value(random, depth + 1))) + "]",
        11 => JsonSerializer.Serialize(random.Next(3) switch { 0 => "fz-room", 1 => "bystander", _ => "bystander-room" }),
        12 => "\"\\ud800 lone surrogate\"",
        _ => JsonSerializer.Serialize(new string('x', random.Next(0, 3) == 0 ? random.Next(60_000, 120_000) : random.Next(0, 300))),
    };

    private static string Text(Random random)
    {
        var pool = new[] { "fz-room", "../../etc/passwd", "a\r\nX-Injected: 1", "<script>", "😀", "\0", "%00", "room id with spaces", "" };
        return random.Next(2) == 0 ? pool[random.Next(pool.Length)] : Convert.ToBase64String(RandomBytes(random, random.Next(1, 64)));
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string Nested(int depth) => new StringBuilder().Append('[', depth).Append(']', depth).ToString();

    private static string Truncate(string text) => text.Length > 200 ? text[..200] + "…" : text;

    public void Dispose() => _app.Dispose();
}
