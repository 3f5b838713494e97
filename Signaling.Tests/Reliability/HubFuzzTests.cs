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
        // Another organization's room: the fuzzer may aim at it by name but must never get in or through.
        await using var bystander = await _app.JoinAsync("bystander", "bystander-room", org: "other-org");
        using var fuzzer = await RawHubClient.ConnectAsync(_app, Tokens.Create("fuzzer", roles: ["admin", "client"], org: "fuzz-org"));
        var random = new Random(Seed);
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);

        for (var i = 0; i < Calls; i++)
        {
            // Half the calls are shaped like the contract with some fields mutated, so they get past
            // binding and into the services; the other half are anything at all.
            var (method, arguments) = UnderLimit(random, r => r.Next(2) == 0 ? Shaped(r) : (Methods[r.Next(Methods.Length)], Arguments(r)));
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

        // The bystander's room is the only one it is in and nobody else could join it: any event is a leak.
        await bystander.Client.Ping();
        foreach (var name in typeof(ISignalingClient).GetMethods().Select(m => m.Name))
        {
            Assert.Empty(bystander.Pending(name));
        }
    }

    /// <summary>Each hub method with the JSON shape of its arguments; a field value of null stands for "random".</summary>
    private static readonly (string Method, string[] Fields)[] Shapes =
    [
        ("JoinRoom", ["roomId", "displayName", "mediaState", "userData"]),
        ("Offer", ["roomId", "toPeerId", "sdp"]),
        ("Answer", ["roomId", "toPeerId", "sdp"]),
        ("IceCandidate", ["roomId", "toPeerId", "candidate"]),
        ("UpdateMediaState", ["roomId", "mediaState"]),
        ("UpdateUserData", ["roomId", "userData"]),
        ("AdminConnectRequest", ["clientId", "offerData", "priority", "ttlSeconds"]),
        ("RespondToConnectRequest", ["requestId", "accepted", "answerData", "reason"]),
    ];

    private static (string Method, string Arguments) Shaped(Random random)
    {
        if (random.Next(6) == 0)
        {
            var single = new[] { "LeaveRoom", "CancelConnectRequest", "GetClientHistory" }[random.Next(3)];
            return (single, $"[{(random.Next(3) == 0 ? Value(random, 0) : Plausible(random, "roomId"))}]");
        }

        var (method, fields) = Shapes[random.Next(Shapes.Length)];
        var members = fields.Where(_ => random.Next(8) != 0)
            .Select(f => $"\"{f}\":{(random.Next(5) == 0 ? Value(random, 1) : Plausible(random, f))}");
        return (method, "[{" + string.Join(",", members) + "}]");
    }

    /// <summary>A value of the right type for the field, often one that names the fuzzer's own rooms and peers.</summary>
    private static string Plausible(Random random, string field) => field switch
    {
        "roomId" => JsonSerializer.Serialize(random.Next(4) == 0 ? "bystander-room" : $"fz-{random.Next(5)}"),
        "toPeerId" => JsonSerializer.Serialize(random.Next(3) == 0 ? "bystander" : "fuzzer"),
        "sdp" => JsonSerializer.Serialize("v=0 " + new string('s', random.Next(0, 70_000))),
        "candidate" => random.Next(4) == 0 ? "null" : $$"""{"candidate":{{JsonSerializer.Serialize(new string('c', random.Next(0, 3000)))}},"sdpMid":"0","sdpMLineIndex":0}""",
        "mediaState" => $$"""{"audio":{{(random.Next(2) == 0 ? "true" : "false")}},"video":false,"screen":false}""",
        "userData" => $$"""{"k{{random.Next(40)}}":{{Value(random, 2)}}}""",
        "displayName" => JsonSerializer.Serialize(Text(random)),
        "clientId" => JsonSerializer.Serialize($"device-{random.Next(3)}"),
        "offerData" or "answerData" => Value(random, 2),
        "priority" => JsonSerializer.Serialize(new[] { "low", "normal", "high", "urgent", "extreme" }[random.Next(5)]),
        "ttlSeconds" => random.Next(-10, 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture),
        "requestId" => JsonSerializer.Serialize($"q-{random.Next(1000)}"),
        "accepted" => random.Next(2) == 0 ? "true" : "false",
        _ => JsonSerializer.Serialize(Text(random)),
    };

    /// <summary>Below the hub's message limit: above it SignalR closes the connection by design (PROTOCOL.md).</summary>
    private static (string Method, string Arguments) UnderLimit(Random random, Func<Random, (string, string)> generate)
    {
        while (true)
        {
            var call = generate(random);
            if (Encoding.UTF8.GetByteCount(call.Item2) < ProtocolLimits.MaxHubMessageBytes - 1024)
            {
                return call;
            }
        }
    }

    private static string Arguments(Random random) =>
        "[" + string.Join(",", Enumerable.Range(0, random.Next(0, 4)).Select(_ => Value(random, 0))) + "]";

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
